/**
 * Kept patterns as the client knows them, without importing `vscode`.
 *
 * The server runs several patterns at once: the ones in the `grepls.patterns` setting, the ones
 * added with `grepls.addPattern`, and the ad-hoc search (id `"search"`, set with Set Search
 * Pattern). Each diagnostic it sends carries its pattern's id as `code`.
 *
 * A pattern entry is the server's object plus two keys only this client reads: `color` (how its
 * matches are painted) and `diagnostics` (`false`: painted, but kept out of the Problems panel).
 * The server ignores both, so entries from the settings go to it as the user wrote them; entries
 * added from the palette are sent without them (`serverEntry`).
 */

export const SEARCH_ID = "search";

export type Severity = "error" | "warning" | "information" | "hint";
export const SEVERITIES: readonly Severity[] = ["error", "warning", "information", "hint"];

/** One entry of `grepls.patterns`, or one pattern kept in the workspace state. */
export interface PatternEntry {
  pattern: string;
  regex?: boolean;
  caseSensitive?: boolean;
  wholeWord?: boolean;
  severity?: Severity;
  message?: string;
  id?: string;
  /** A palette name (`"blue"`) or a CSS colour (`"#ff000066"`); client only. */
  color?: string;
  /** `false`: decorations only, nothing in the Problems panel; client only. */
  diagnostics?: boolean;
}

/** The keys the server reads; the others (`color`, `diagnostics`) stay in the client. */
const SERVER_ENTRY_KEYS = ["pattern", "regex", "caseSensitive", "wholeWord", "severity", "message", "id"] as const;

/** What `grepls.addPattern` is sent for an entry. */
export function serverEntry(entry: PatternEntry): Record<string, unknown> {
  const sent: Record<string, unknown> = {};
  for (const key of SERVER_ENTRY_KEYS) {
    if (entry[key] !== undefined) {
      sent[key] = entry[key];
    }
  }
  return sent;
}

/** The id the server gives an entry: its `id`, else its pattern text. */
export function entryId(entry: Pick<PatternEntry, "id" | "pattern">): string {
  return typeof entry.id === "string" && entry.id !== "" ? entry.id : entry.pattern;
}

/**
 * The entries of a `grepls.patterns` value that the client can use for colours and the
 * diagnostics filter. Anything else is skipped here silently: the server receives the value as
 * it is and names a bad entry itself.
 */
export function readEntries(value: unknown): PatternEntry[] {
  if (!Array.isArray(value)) {
    return [];
  }
  return value.filter(
    (entry): entry is PatternEntry =>
      typeof entry === "object" && entry !== null && typeof (entry as { pattern?: unknown }).pattern === "string",
  );
}

/** The ids whose diagnostics stay out of the Problems panel (`"diagnostics": false`). */
export function hiddenIds(entries: readonly PatternEntry[]): Set<string> {
  return new Set(entries.filter((entry) => entry.diagnostics === false).map(entryId));
}

/**
 * An id for a new pattern: its text, unless that names the ad-hoc search or a pattern from the
 * settings (which a kept pattern must not replace); then the text with ` (2)`, ` (3)`, ...
 */
export function newPatternId(pattern: string, reserved: ReadonlySet<string>): string {
  if (pattern !== SEARCH_ID && !reserved.has(pattern)) {
    return pattern;
  }
  for (let n = 2; ; n++) {
    const id = `${pattern} (${n})`;
    if (id !== SEARCH_ID && !reserved.has(id)) {
      return id;
    }
  }
}

/** What `grepls.listPatterns` returns for each pattern. */
export interface ListedPattern {
  id: string;
  pattern: string;
  regex: boolean;
  caseSensitive: boolean;
  wholeWord: boolean;
  severity: Severity;
  message: string;
  matches: number;
  complete: boolean;
}

/** A short label: the id when it is the text, else `id: "text"`; regexes between slashes. */
export function patternLabel(pattern: Pick<ListedPattern, "id" | "pattern" | "regex">): string {
  const text = pattern.regex ? `/${pattern.pattern}/` : `"${pattern.pattern}"`;
  if (pattern.id === SEARCH_ID) {
    return `search ${text}`;
  }
  return pattern.id === pattern.pattern ? text : `${pattern.id}: ${text}`;
}
