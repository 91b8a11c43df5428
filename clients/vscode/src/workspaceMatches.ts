/**
 * Every match in scope as the grepls view shows it — patterns, then files, then matching lines —
 * without importing `vscode` (unit-tested with node --test).
 *
 * The source is the server's `grepls.listMatches` with no argument: every match of every pattern
 * in the open documents and, with the workspace scope, in the files that are not open (which VS
 * Code's own diagnostics may not hold: pulled workspace reports come and go). It answers files in
 * path order, at most `maxWorkspaceMatches` matches, each `{uri, range, text[, pattern]}` (the
 * pattern only when several exist; without it the match is the one pattern's in force, the search
 * or not: `withPatternIds` names it, as `grepls.listMatches` of one document always does).
 *
 * One pass groups the list by pattern and file, keeping the server's order; the view makes tree
 * items only for the nodes the user expands, so twenty thousand matches cost one pass and what is
 * on screen. A filter keeps the lines whose text or file path holds the filter text (ignoring case);
 * the path as the view shows it, relative to its workspace folder (a filter "home" does not keep
 * every file under /home).
 */

import { matchCount } from "./settings";

export const SEARCH_PATTERN = "search";

/** A position as LSP sends it (line and UTF-16 column, as VS Code counts them too). */
export interface ListedPosition {
  line: number;
  character: number;
}

/** One entry of `grepls.listMatches` with no argument. */
export interface ListedMatch {
  uri: string;
  range: { start: ListedPosition; end: ListedPosition };
  text: string;
  pattern?: string;
}

/** One file's matches of one pattern, in line order. */
export interface FileMatches {
  pattern: string;
  uri: string;
  matches: ListedMatch[];
}

/** One pattern's files, in path order, and how many matches they hold. */
export interface PatternMatchGroup {
  pattern: string;
  files: FileMatches[];
  count: number;
}

/** What the status bar and the view's badge say about the whole scope. */
export interface ScopeTotals {
  /** Matches listed (of every pattern). */
  matches: number;
  /** Files with at least one match. */
  files: number;
  /** Matches and files of each pattern. */
  perPattern: Map<string, { matches: number; files: number }>;
  /** The list was cut at `maxWorkspaceMatches`: there are more than it holds. */
  capped: boolean;
}

/** What the server adds to the end of a scan's progress when the scan stopped at the cap. */
export const SCAN_CUT = "cut at grepls.maxWorkspaceMatches";

/** Whether a scan that ended with `message` (its work-done progress end) was cut at the cap. */
export function scanWasCut(message: string | undefined): boolean {
  return message?.includes(SCAN_CUT) ?? false;
}

/** The listed matches, grouped; `filter` (ignoring case) narrows them to lines or paths holding it. */
export class MatchTree {
  readonly groups: PatternMatchGroup[];
  readonly totals: ScopeTotals;

  constructor(
    listed: readonly ListedMatch[],
    /** The most matches the server lists (`maxWorkspaceMatches`). */
    limit: number,
    /** Pattern ids in the order to show them (the server's: settings', added, the search). */
    order: readonly string[] = [],
    filter = "",
    /**
     * The last scan stopped at the cap (scanWasCut). A list exactly `limit` long is cut only
     * then: the server lists at most `limit`, so a complete scan of exactly that many looks alike.
     */
    scanCut = false,
    /** The workspace folders' paths: the filter reads a file's path relative to its folder. */
    folders: readonly string[] = [],
  ) {
    const needle = filter.toLocaleLowerCase();
    const byPattern = new Map<string, Map<string, FileMatches>>();
    for (const id of order) {
      byPattern.set(id, new Map());
    }
    const counted = new Map<string, { matches: number; files: Set<string> }>();
    const files = new Set<string>();
    for (const match of listed) {
      const pattern = match.pattern ?? SEARCH_PATTERN;
      files.add(match.uri);
      let count = counted.get(pattern);
      if (!count) {
        count = { matches: 0, files: new Set() };
        counted.set(pattern, count);
      }
      count.matches++;
      count.files.add(match.uri);
      if (needle && !match.text.toLocaleLowerCase().includes(needle) && !relativePath(match.uri, folders).toLocaleLowerCase().includes(needle)) {
        continue;
      }
      let perFile = byPattern.get(pattern);
      if (!perFile) {
        perFile = new Map();
        byPattern.set(pattern, perFile);
      }
      const group = perFile.get(match.uri);
      group ? group.matches.push(match) : perFile.set(match.uri, { pattern, uri: match.uri, matches: [match] });
    }
    const perPattern = new Map([...counted].map(([id, count]) => [id, { matches: count.matches, files: count.files.size }]));
    this.groups = [...byPattern]
      .map(([pattern, perFile]) => {
        const fileGroups = [...perFile.values()];
        return { pattern, files: fileGroups, count: fileGroups.reduce((sum, f) => sum + f.matches.length, 0) };
      })
      .filter((group) => group.count > 0);
    this.totals = { matches: listed.length, files: files.size, perPattern, capped: scanCut && listed.length >= limit };
  }

  /** Matches shown (after the filter). */
  get shown(): number {
    return this.groups.reduce((sum, group) => sum + group.count, 0);
  }
}

/**
 * The list with every match's pattern named. The server names none when only one pattern is in
 * force (`inForce`: the ids `grepls.listPatterns` answers), which may be a kept one as well as the
 * search; a single document's list always names them, so a list patched with one must too.
 */
export function withPatternIds(listed: readonly ListedMatch[], inForce: readonly string[]): ListedMatch[] {
  const lone = inForce.length === 1 ? inForce[0] : SEARCH_PATTERN;
  return listed.map((match) => (match.pattern === undefined ? { ...match, pattern: lone } : match));
}

/** The path of a `file:` URI (decoded), else the URI itself. */
export function pathOf(uri: string): string {
  if (!uri.startsWith("file://")) {
    return uri;
  }
  try {
    return decodeURIComponent(uri.slice("file://".length));
  } catch {
    return uri;
  }
}

/** A file's path relative to the first folder holding it (`a/b/c.txt`), else its whole path. */
export function relativePath(uri: string, folders: readonly string[]): string {
  const full = pathOf(uri);
  const root = folders.find((folder) => full.startsWith(folder.endsWith("/") ? folder : `${folder}/`));
  return root ? full.slice(root.length).replace(/^\/+/, "") : full;
}

/** `a/b/c.txt` relative to the first folder holding it: `["c.txt", "a/b"]` (folder "" at the top). */
export function nameAndFolder(uri: string, folders: readonly string[]): [string, string] {
  const relative = relativePath(uri, folders);
  const slash = relative.lastIndexOf("/");
  return slash < 0 ? [relative, ""] : [relative.slice(slash + 1), relative.slice(0, slash)];
}

/**
 * A matching line as the view labels it, `12: the text`, trimmed at the start, with where the
 * match lies in that label (for the highlight), or no highlight when the match is not in it.
 */
export function lineLabel(match: ListedMatch): { label: string; highlight?: [number, number] } {
  const prefix = `${match.range.start.line + 1}: `;
  const text = match.text;
  const trimmed = text.replace(/^\s+/, "");
  const cut = text.length - trimmed.length;
  const label = prefix + trimmed;
  const start = match.range.start.character - cut;
  const end = match.range.start.line === match.range.end.line ? match.range.end.character - cut : trimmed.length;
  // An excerpt of a long line ("…" around it) does not keep columns: no highlight then.
  if (text.startsWith("…") || start < 0 || end > trimmed.length || end <= start) {
    return { label };
  }
  return { label, highlight: [prefix.length + start, prefix.length + end] };
}

/** `1 match in 1 file`, `5 matches in 3 files`. */
export function countsLabel(matches: number, files: number, complete = true): string {
  const plus = complete ? "" : "+";
  return `${matchCount(matches, complete)} in ${files}${plus} file${files === 1 && complete ? "" : "s"}`;
}

/** The grepls view's words for a filtered list: `1 of 3 matches holds "x".` */
export function filterText(shown: number, matches: number, filter: string): string {
  return `${shown} of ${matchCount(matches)} ${shown === 1 ? "holds" : "hold"} "${filter}".`;
}

/** What the status bar says about the whole workspace (scope "workspace" only). */
export interface WorkspaceSummary {
  matches: number;
  files: number;
  /** Matches and files of each pattern id. */
  perPattern: ReadonlyMap<string, { matches: number; files: number }>;
  /** A scan is running: the numbers are those so far. */
  scanning: boolean;
  /** The list was cut at `grepls.maxWorkspaceMatches`. */
  capped: boolean;
  /** How the last scan ended, as the server said it ("12 matches in 3 of 40 files"). */
  lastScan?: string;
}

/** `, 41 in workspace` and the tooltip's paragraph about it, for one pattern id or all of them. */
export function workspaceText(summary: WorkspaceSummary, id: string | undefined): { text: string; tooltip: string } {
  const counted = id === undefined ? summary : summary.perPattern.get(id) ?? { matches: 0, files: 0 };
  const more = summary.capped ? "+" : "";
  const state = summary.scanning
    ? "so far: the search of the workspace is still running"
    : summary.capped
      ? "not complete: the list stops at grepls.maxWorkspaceMatches"
      : "complete";
  const scan = summary.lastScan ? `\nLast scan: ${summary.lastScan}.` : "";
  return {
    text: ` · ${counted.matches}${more} in workspace`,
    tooltip: `\n\nIn the workspace: ${countsLabel(counted.matches, counted.files, !summary.capped)} (${state}).${scan}`,
  };
}

/**
 * The list with the matches of some documents replaced by theirs now (`grepls.listMatches` of
 * each, which carries every match's pattern), files kept in path order as the server orders them.
 * A keystroke changes one open document's matches: asking for that document alone is cheap,
 * where the whole list (every closed file's lines read again) is not.
 */
export function patched(listed: readonly ListedMatch[], fresh: ReadonlyMap<string, readonly ListedMatch[]>): ListedMatch[] {
  const byUri = new Map<string, ListedMatch[]>();
  for (const match of listed) {
    const held = byUri.get(match.uri);
    held ? held.push(match) : byUri.set(match.uri, [match]);
  }
  for (const [uri, matches] of fresh) {
    byUri.set(uri, matches.map((match) => ({ ...match, uri })));
  }
  const order = (uri: string) => [pathOf(uri), uri] as const;
  const uris = [...byUri.keys()].sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0;
  });
  return uris.flatMap((uri) => byUri.get(uri) ?? []);
}

/**
 * Calls `run` once after `delayMs` of quiet, however often `schedule` is called meanwhile — but
 * no later than `maxWaitMs` after the first call, so a stream of changes (a scan) still shows — and
 * never two at once: a call made while `run` is under way runs it again after that one.
 */
export class Debounced {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private firstCall = 0;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly run: () => Promise<void>,
    private readonly delayMs: number,
    private readonly maxWaitMs = Number.POSITIVE_INFINITY,
  ) {}

  schedule(delayMs = this.delayMs): void {
    const now = Date.now();
    if (this.timer !== undefined) {
      if (now - this.firstCall >= this.maxWaitMs) {
        return; // due soon enough: let it fire
      }
      clearTimeout(this.timer);
    } else {
      this.firstCall = now;
    }
    const due = Math.min(delayMs, this.firstCall + this.maxWaitMs - now);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.fire();
    }, Math.max(0, due));
  }

  private async fire(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run().catch(() => undefined);
    await this.running;
    this.running = undefined;
    if (this.again) {
      this.again = false;
      this.schedule(0);
    }
  }

  dispose(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
    }
  }
}

/**
 * Where Search Whole Workspace / Search Open Files writes `grepls.scope`, with `folders` folders
 * open: the workspace settings; with none, the user's for "open" (the only settings there are),
 * and nowhere for "workspace" — there is no workspace to search, and the user's settings would
 * have every later window search all of its folders. Undefined: change nothing, say why.
 */
export function scopeTarget(scope: "open" | "workspace", folders: number): "workspace" | "user" | undefined {
  if (folders > 0) {
    return "workspace";
  }
  return scope === "open" ? "user" : undefined;
}
