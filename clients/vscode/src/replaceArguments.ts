/**
 * The `grepls.replace` argument and result as the extension reads them, without importing
 * `vscode` (unit-tested with node --test).
 *
 * The server's code actions "Replace this match…" and "Replace all N matches in this file…" are
 * `grepls.replace` commands whose argument carries a `prompt` and no `replacement`: the editor is
 * to ask the user (the prompt is the question) and send the command with the answer filled in.
 */

/** What `grepls.replace` is sent (see the README's contract). */
export interface ReplaceArgument {
  replacement?: string;
  uri?: string;
  pattern?: string;
  scope?: "document" | "open" | "workspace";
  range?: unknown;
  prompt?: string;
  dryRun?: boolean;
}

/** What `grepls.replace` answers. */
export interface ReplaceResult {
  applied: boolean;
  files: number;
  replacements: number;
  failureReason?: string;
}

/** The argument of a `grepls.replace` command that leaves the replacement to the editor, if it is one. */
export function promptOf(args: readonly unknown[]): string | undefined {
  const argument = args[0];
  if (args.length !== 1 || !argument || typeof argument !== "object") {
    return undefined;
  }
  const { replacement, prompt } = argument as ReplaceArgument;
  return replacement === undefined ? (typeof prompt === "string" ? prompt : "Replace with") : undefined;
}

/** The command's arguments with the user's answer filled in. */
export function withReplacement(args: readonly unknown[], replacement: string): [ReplaceArgument] {
  return [{ ...(args[0] as ReplaceArgument), replacement }];
}

/** `3 matches in 2 files`, `1 match in 1 file`. */
export function countsText(result: Pick<ReplaceResult, "files" | "replacements">): string {
  const matches = `${result.replacements} match${result.replacements === 1 ? "" : "es"}`;
  return `${matches} in ${result.files} file${result.files === 1 ? "" : "s"}`;
}

/** What the user is told once the editor applied, or refused, the edit. */
export function outcomeText(result: ReplaceResult): string {
  if (result.applied) {
    return result.replacements === 0
      ? "grepls: nothing to replace"
      : `grepls: replaced ${countsText(result)}`;
  }
  return `grepls: nothing replaced (${result.failureReason ?? "the edit was not applied"})`;
}
