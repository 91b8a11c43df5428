/**
 * A quick check of a regex before it is sent to the server, so the input box can say what is
 * wrong while the user types. Without importing `vscode`.
 *
 * The server uses RE2; this check uses JavaScript's RegExp after rewriting the RE2 spellings that
 * JavaScript lacks (inline flags, `(?P<name>`, `\A`, `\z`). It also rejects what RE2 refuses but
 * JavaScript accepts (lookaround, backreferences). It is a first filter only: the server's
 * InvalidParams message remains the final word and is shown when this check lets something by.
 */

export type RegexVerdict = { ok: true } | { ok: false; message: string };

const RE2_UNSUPPORTED: ReadonlyArray<[RegExp, string]> = [
  [/\(\?<?[=!]/, "lookahead and lookbehind are not supported (RE2 syntax)"],
  [/(^|[^\\])(\\\\)*\\[1-9]/, "backreferences are not supported (RE2 syntax)"],
];

/** Rewrites RE2-only spellings into JavaScript equivalents so RegExp can judge the rest. */
export function toJavaScriptSyntax(pattern: string): { source: string; flags: string } {
  let flags = "";
  let source = pattern
    // Leading global flags: (?i), (?s), (?m), (?U) ... JavaScript takes them as RegExp flags.
    .replace(/^\(\?([imsU]+)\)/, (_whole, letters: string) => {
      flags += letters.replace(/[^ims]/g, "");
      return "";
    })
    // Scoped flags (?i:...) and any later (?i) become plain groups: same structure to validate.
    .replace(/\(\?-?[imsU]+(-[imsU]+)?:/g, "(?:")
    .replace(/\(\?-?[imsU]+(-[imsU]+)?\)/g, "")
    .replace(/\(\?P</g, "(?<")
    .replace(/\\A/g, "^")
    .replace(/\\z/g, "$");
  flags = Array.from(new Set(flags)).join("");
  return { source, flags };
}

export function checkRegex(pattern: string): RegexVerdict {
  if (pattern === "") {
    return { ok: false, message: "the pattern is empty" };
  }
  for (const [construct, message] of RE2_UNSUPPORTED) {
    if (construct.test(pattern)) {
      return { ok: false, message };
    }
  }
  const { source, flags } = toJavaScriptSyntax(pattern);
  try {
    new RegExp(source, flags);
    return { ok: true };
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    // "Invalid regular expression: /a(/: Unterminated group" -> "Unterminated group"
    const reason = text.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, "");
    return { ok: false, message: `invalid regular expression: ${reason}` };
  }
}

/** The check the input box runs: literal patterns only need to be non-empty. */
export function checkPattern(pattern: string, regex: boolean): RegexVerdict {
  if (!regex) {
    return pattern === "" ? { ok: false, message: "the pattern is empty" } : { ok: true };
  }
  return checkRegex(pattern);
}
