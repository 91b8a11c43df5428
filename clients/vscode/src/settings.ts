/**
 * The `grepls` settings as the extension reads them and as the server is sent them, without
 * importing `vscode`.
 *
 * VS Code hands us whatever JSON a user typed, so every value is checked and replaced by its
 * default when it has the wrong type. The server receives only the keys it knows (never
 * `interpreter`, which is the extension's own), both as initializationOptions and in answers to
 * workspace/configuration.
 */

export type Severity = "error" | "warning" | "information" | "hint";

export interface ServerSettings {
  pattern: string | null;
  regex: boolean;
  caseSensitive: boolean;
  wholeWord: boolean;
  severity: Severity;
  maxMatchesPerDocument: number;
}

export const DEFAULTS: ServerSettings = {
  pattern: null,
  regex: false,
  caseSensitive: true,
  wholeWord: false,
  severity: "information",
  maxMatchesPerDocument: 10000,
};

const SEVERITIES: readonly Severity[] = ["error", "warning", "information", "hint"];

/** Reads a settings object (VS Code's configuration section, or any plain object). */
export function serverSettings(section: { get?(key: string): unknown } | Record<string, unknown>): ServerSettings {
  const read = (key: string): unknown =>
    typeof (section as { get?: unknown }).get === "function"
      ? (section as { get(key: string): unknown }).get(key)
      : (section as Record<string, unknown>)[key];
  const bool = (key: keyof ServerSettings): boolean => {
    const value = read(key);
    return typeof value === "boolean" ? value : (DEFAULTS[key] as boolean);
  };
  const pattern = read("pattern");
  const severity = read("severity");
  const max = read("maxMatchesPerDocument");
  return {
    pattern: typeof pattern === "string" && pattern !== "" ? pattern : null,
    regex: bool("regex"),
    caseSensitive: bool("caseSensitive"),
    wholeWord: bool("wholeWord"),
    severity: SEVERITIES.includes(severity as Severity) ? (severity as Severity) : DEFAULTS.severity,
    maxMatchesPerDocument:
      typeof max === "number" && Number.isInteger(max) && max > 0 ? max : DEFAULTS.maxMatchesPerDocument,
  };
}

/**
 * What the server is sent: the known keys only, and no `pattern` key at all when none is set
 * (the server's default is "no pattern").
 */
export function serverPayload(settings: ServerSettings): Record<string, unknown> {
  const { pattern, ...rest } = settings;
  return pattern === null ? { ...rest } : { pattern, ...rest };
}

/** The search the user is running: what grepls.setPattern receives. */
export interface PatternQuery {
  pattern: string;
  regex: boolean;
  caseSensitive: boolean;
  wholeWord: boolean;
}

export type PatternFlag = "regex" | "caseSensitive" | "wholeWord";

/** The three pattern flags of the settings, as a new object. */
export function flagsOf(settings: ServerSettings): Record<PatternFlag, boolean> {
  return { regex: settings.regex, caseSensitive: settings.caseSensitive, wholeWord: settings.wholeWord };
}

export function queryFromSettings(settings: ServerSettings): PatternQuery | undefined {
  if (settings.pattern === null) {
    return undefined;
  }
  return {
    pattern: settings.pattern,
    regex: settings.regex,
    caseSensitive: settings.caseSensitive,
    wholeWord: settings.wholeWord,
  };
}

/** A short description for the status bar and messages, e.g. `/TOD+/ i w`. */
export function describeQuery(query: Pick<PatternQuery, "pattern" | PatternFlag>): string {
  const shown = query.regex ? `/${query.pattern}/` : `"${query.pattern}"`;
  const flags = [query.caseSensitive ? "" : "ignore case", query.wholeWord ? "whole word" : ""].filter(Boolean);
  return flags.length ? `${shown} (${flags.join(", ")})` : shown;
}

/** `1 match`, `2 matches`, `0 matches`. */
export function matchCount(n: number): string {
  return `${n} match${n === 1 ? "" : "es"}`;
}
