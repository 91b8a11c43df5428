/**
 * The `grepls` settings as the extension reads them and as the server is sent them, without
 * importing `vscode`.
 *
 * Two readers, two rules:
 * - The server is sent the user's values as they are (`serverPayload`): it validates them and
 *   names a bad one in a `window/showMessage` ("grepls.maxMatchesPerDocument must be a positive
 *   integer, got -3; using 1000"), which VS Code shows as a notification. Replacing a bad value
 *   here would hide that message. Only the keys the server knows are sent (never `interpreter`
 *   or `trace`, which are the extension's own), both as initializationOptions and in answers to
 *   workspace/configuration. `patterns` goes as it is too, with the keys only this client reads
 *   (`color`, `diagnostics`) still in its entries: the server ignores those two.
 * - The UI (status bar, toggles) needs a pattern and three booleans (`patternSettings`); a value of
 *   the wrong type reads as its default there, as it does in the server.
 *
 * The defaults are those of package.json's `contributes.configuration`, the one place the client
 * states them (VS Code's getConfiguration already answers them for unset keys);
 * tests/test_vscode_settings.py checks they equal the server's.
 */
import { contributes } from "../package.json";
import { checkPattern } from "./regexCheck";

/** The keys of the `grepls` section the server reads. */
export const SERVER_KEYS = [
  "pattern",
  "patterns",
  "regex",
  "caseSensitive",
  "wholeWord",
  "severity",
  "maxMatchesPerDocument",
  "confirmReplaceAbove",
  "scope",
  "exclude",
  "maxFileSize",
  "maxWorkspaceMatches",
] as const;

/** A settings section: VS Code's WorkspaceConfiguration (read with get) or a plain object. */
export type Section = { get?(key: string): unknown } | Record<string, unknown>;

function reader(section: Section): (key: string) => unknown {
  return typeof (section as { get?: unknown }).get === "function"
    ? (key) => (section as { get(key: string): unknown }).get(key)
    : (key) => (section as Record<string, unknown>)[key];
}

/** The default of each `grepls.*` setting, as package.json declares it. */
export const DEFAULTS: Readonly<Record<string, unknown>> = Object.fromEntries(
  Object.entries(contributes.configuration.properties).map(([key, property]) => [
    key.replace(/^grepls\./, ""),
    (property as { default?: unknown }).default,
  ]),
);

/**
 * What the server is sent: the known keys with the values the user gave, unchecked. A key that
 * is not set at all (undefined) is left out, so the server's default applies.
 */
export function serverPayload(section: Section): Record<string, unknown> {
  const read = reader(section);
  const payload: Record<string, unknown> = {};
  for (const key of SERVER_KEYS) {
    const value = read(key);
    if (value !== undefined) {
      payload[key] = value;
    }
  }
  return payload;
}

/** The search the user is running: what grepls.setPattern receives. */
export interface PatternQuery {
  pattern: string;
  regex: boolean;
  caseSensitive: boolean;
  wholeWord: boolean;
}

export type PatternFlag = "regex" | "caseSensitive" | "wholeWord";

/** The pattern settings as the UI shows them; `pattern` is null when none is set. */
export interface PatternSettings {
  pattern: string | null;
  flags: Record<PatternFlag, boolean>;
}

/** Reads the pattern and its flags; a value of the wrong type reads as its default. */
export function patternSettings(section: Section): PatternSettings {
  const read = reader(section);
  const bool = (key: PatternFlag): boolean => {
    const value = read(key);
    return typeof value === "boolean" ? value : (DEFAULTS[key] as boolean);
  };
  const pattern = read("pattern");
  return {
    pattern: typeof pattern === "string" && pattern !== "" ? pattern : null,
    flags: { regex: bool("regex"), caseSensitive: bool("caseSensitive"), wholeWord: bool("wholeWord") },
  };
}

/**
 * The search the server takes up after a change of the pattern settings, as its settings.py
 * plans it: the settings' pattern with its flags, when `grepls.pattern` is set (and valid) and
 * differs from before. Otherwise the server keeps the search it runs — without `grepls.pattern` it
 * ignores `grepls.regex`, `caseSensitive` and `wholeWord` — and so must the UI (undefined).
 */
export function searchAfterChange(before: PatternSettings, after: PatternSettings): PatternQuery | undefined {
  if (after.pattern === null || !checkPattern(after.pattern, after.flags.regex).ok) {
    return undefined;
  }
  const same =
    before.pattern === after.pattern && (Object.keys(after.flags) as PatternFlag[]).every((flag) => before.flags[flag] === after.flags[flag]);
  return same ? undefined : { pattern: after.pattern, ...after.flags };
}

/** `grepls.confirmReplaceAbove` as the server reads it: a non-negative integer, else the default
 * (the server names the bad value in a message). */
export function confirmReplaceAbove(value: unknown): number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : (DEFAULTS.confirmReplaceAbove as number);
}

/** A short description for the status bar and messages, e.g. `/TOD+/ (ignore case)`. */
export function describeQuery(query: Pick<PatternQuery, "pattern" | PatternFlag>): string {
  const shown = query.regex ? `/${query.pattern}/` : `"${query.pattern}"`;
  const flags = [query.caseSensitive ? "" : "ignore case", query.wholeWord ? "whole word" : ""].filter(Boolean);
  return flags.length ? `${shown} (${flags.join(", ")})` : shown;
}

/** `1 match`, `2 matches`, `0 matches`; a count that is a lower bound (not `complete`): `1000+
 * matches`. */
export function matchCount(n: number, complete = true): string {
  return `${countText(n, complete)} match${n === 1 && complete ? "" : "es"}`;
}

/** A count as the status bar shows it: `12`, or `1000+` when it is a lower bound. */
export function countText(n: number, complete = true): string {
  return `${n}${complete ? "" : "+"}`;
}
