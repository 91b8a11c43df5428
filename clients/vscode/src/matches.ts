/**
 * Every pattern's matches per document, as the diagnostics the server sent, without importing
 * `vscode`.
 *
 * The server reports each match of each pattern as a diagnostic whose `code` is the pattern's id.
 * vscode-languageclient hands them to its middleware before VS Code sees them, whichever way they
 * come:
 * - **push** (`textDocument/publishDiagnostics`): `handleDiagnostics(uri, diagnostics, next)`;
 * - **pull** (`textDocument/diagnostic`, what VS Code's client uses when the server offers it): the
 *   report `provideDiagnostics` returns, either `full` (the items) or `unChanged` (the result id of
 *   the last full one: VS Code keeps showing what it has).
 * This store keeps all of them (they are what the decorations, the status bar counts and
 * next/previous match use) and gives VS Code only the visible ones: a pattern with
 * `"diagnostics": false` is painted but kept out of the Problems panel.
 *
 * - **workspace pull** (`workspace/diagnostic`: the files that are not open, with the workspace
 *   scope): no report comes back as the middleware's answer; each chunk of reports goes through a
 *   `resultReporter` straight into VS Code's collection (`WorkspacePulls` wraps it).
 *
 * When the hidden set changes, what VS Code shows must be filtered again although the server has
 * nothing new to say. Push: `visibleNow(uri)` for every document. Pull: the client asks again,
 * the server answers `unChanged`, and the store turns that answer into a `full` one filtered the
 * new way (once per change: afterwards `unChanged` passes through). Workspace pull: the server
 * parks the request until something changes (a long poll), so the closed files are reported again,
 * filtered the new way, by the client itself (`WorkspacePulls.refilter`).
 */
import { SEARCH_ID } from "./patterns";

/** A diagnostic as far as this store reads it (vscode.Diagnostic fits). */
export interface Coded {
  code?: string | number | { value: string | number; target: unknown };
}

/** The id of the pattern a diagnostic belongs to: its code; none reads as the ad-hoc search. */
export function patternOf(diagnostic: Coded): string {
  const code = diagnostic.code;
  if (code === undefined || code === null) {
    return SEARCH_ID;
  }
  return String(typeof code === "object" ? code.value : code);
}

/** Diagnostics by pattern id, each list in the order received; patterns in order of appearance. */
export function groupByPattern<D extends Coded>(diagnostics: readonly D[]): Map<string, D[]> {
  const groups = new Map<string, D[]>();
  for (const diagnostic of diagnostics) {
    const id = patternOf(diagnostic);
    const group = groups.get(id);
    if (group) {
      group.push(diagnostic);
    } else {
      groups.set(id, [diagnostic]);
    }
  }
  return groups;
}

/** The diagnostics of patterns not in `hidden`. */
export function withoutHidden<D extends Coded>(diagnostics: readonly D[], hidden: ReadonlySet<string>): D[] {
  return hidden.size === 0 ? [...diagnostics] : diagnostics.filter((d) => !hidden.has(patternOf(d)));
}

/** A pull report, shaped as vscode-languageclient's vsdiag.DocumentDiagnosticReport. */
export type Report<D> = { kind: "full"; resultId?: string; items: D[] } | { kind: "unChanged"; resultId: string };

interface Held<D> {
  items: D[];
  resultId?: string;
  /** The hidden set's generation VS Code was last given these items with. */
  filteredWith: number;
}

export class PatternMatches<D extends Coded> {
  private readonly documents = new Map<string, Held<D>>();
  private hidden: ReadonlySet<string> = new Set();
  private generation = 0;
  private readonly listeners = new Set<(uri: string | undefined) => void>();

  /** Called with the document's URI when its matches changed, with undefined when all did. */
  onDidChange(listener: (uri: string | undefined) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private changed(uri: string | undefined): void {
    for (const listener of this.listeners) {
      listener(uri);
    }
  }

  /** Sets the patterns kept out of the Problems panel; true when that changed anything. */
  setHidden(ids: Iterable<string>): boolean {
    const next = new Set(ids);
    if (next.size === this.hidden.size && [...next].every((id) => this.hidden.has(id))) {
      return false;
    }
    this.hidden = next;
    this.generation++;
    return true;
  }

  isHidden(id: string): boolean {
    return this.hidden.has(id);
  }

  /** Counts the changes of the hidden set: items filtered with an older one must be again. */
  get hiddenGeneration(): number {
    return this.generation;
  }

  /** The diagnostics of the patterns not hidden now. */
  visible(items: readonly D[]): D[] {
    return withoutHidden(items, this.hidden);
  }

  /** Push: keeps a document's diagnostics, returns the ones VS Code is to show. */
  pushed(uri: string, items: readonly D[]): D[] {
    this.documents.set(uri, { items: [...items], filteredWith: this.generation });
    this.changed(uri);
    return withoutHidden(items, this.hidden);
  }

  /** Pull: keeps a full report's items; returns the report VS Code is to get. */
  pulled(uri: string, report: Report<D>): Report<D> {
    if (report.kind === "full") {
      this.documents.set(uri, { items: [...report.items], resultId: report.resultId, filteredWith: this.generation });
      this.changed(uri);
      return { ...report, items: withoutHidden(report.items, this.hidden) };
    }
    const held = this.documents.get(uri);
    if (held && held.resultId === report.resultId && held.filteredWith !== this.generation) {
      held.filteredWith = this.generation;
      return { kind: "full", resultId: report.resultId, items: withoutHidden(held.items, this.hidden) };
    }
    return report;
  }

  /** Push, after the hidden set changed: what VS Code is to show for a document now. */
  visibleNow(uri: string): D[] {
    const held = this.documents.get(uri);
    if (held) {
      held.filteredWith = this.generation;
    }
    return withoutHidden(held?.items ?? [], this.hidden);
  }

  /** Every pattern's diagnostics for a document, hidden ones included. */
  all(uri: string): readonly D[] {
    return this.documents.get(uri)?.items ?? [];
  }

  uris(): string[] {
    return [...this.documents.keys()];
  }

  /** A closed document: nothing to paint or count any more. */
  forget(uri: string): void {
    if (this.documents.delete(uri)) {
      this.changed(uri);
    }
  }

  /** A new server: everything it will report is new. */
  clear(): void {
    this.documents.clear();
    this.changed(undefined);
  }
}

/** One closed file's report in a workspace pull (vsdiag.WorkspaceDocumentDiagnosticReport). */
export type WorkspaceReport<D, U> = Report<D> & { uri: U; version: number | null };

/** Where a workspace pull hands its reports on, a chunk at a time (vsdiag.ResultReporter). */
export type ResultReporter<D, U> = (chunk: { items: WorkspaceReport<D, U>[] } | null) => void;

/**
 * Workspace pulls filtered as document pulls are: the middleware `provideWorkspaceDiagnostics`
 * is `provide`, and every full report that reaches VS Code leaves out the hidden patterns. The
 * closed files' reports are held (all their items, their result id) so that `refilter`, after the
 * hidden set changed, can report them again filtered the new way under the same result ids:
 * through the pull under way (the server keeps it open until it has news), else at the start of
 * the next one.
 */
export class WorkspacePulls<D extends Coded, U extends { toString(): string }> {
  private readonly held = new Map<string, { report: WorkspaceReport<D, U> & { kind: "full" }; filteredWith: number }>();
  /** The reporter of the pull under way, if one is. */
  private live: ResultReporter<D, U> | undefined;

  constructor(private readonly matches: PatternMatches<D>) {}

  /** The middleware: `next` asks the server; its reports reach `reporter` filtered. */
  async provide<I, T, A>(
    resultIds: I,
    token: T,
    reporter: ResultReporter<D, U>,
    next: (resultIds: I, token: T, reporter: ResultReporter<D, U>) => A | Thenable<A>,
  ): Promise<A> {
    this.live = reporter;
    this.refilter();
    try {
      const answer = await next(resultIds, token, (chunk) => reporter(chunk && { ...chunk, items: this.pulled(chunk.items) }));
      const items = (answer as { items?: unknown } | null | undefined)?.items;
      return Array.isArray(items) ? ({ ...answer, items: this.pulled(items) } as A) : answer;
    } finally {
      if (this.live === reporter) {
        this.live = undefined;
      }
    }
  }

  /** Reports again, filtered anew, the closed files last shown with another hidden set (only
   * while a pull is under way: the next pull does it otherwise). */
  refilter(): void {
    if (!this.live) {
      return;
    }
    const generation = this.matches.hiddenGeneration;
    const stale = [...this.held.values()].filter((held) => held.filteredWith !== generation);
    if (stale.length === 0) {
      return;
    }
    for (const held of stale) {
      held.filteredWith = generation;
    }
    this.live({ items: stale.map(({ report }) => ({ ...report, items: this.matches.visible(report.items) })) });
  }

  private pulled(items: readonly WorkspaceReport<D, U>[]): WorkspaceReport<D, U>[] {
    const generation = this.matches.hiddenGeneration;
    return items.map((report) => {
      const key = report.uri.toString();
      if (report.kind === "full") {
        report.items.length
          ? this.held.set(key, { report: { ...report, items: [...report.items] }, filteredWith: generation })
          : this.held.delete(key);
        return { ...report, items: this.matches.visible(report.items) };
      }
      // Filtered with an older hidden set, and not reported again yet: full, filtered now.
      const held = this.held.get(key);
      if (held && held.report.resultId === report.resultId && held.filteredWith !== generation) {
        held.filteredWith = generation;
        return { ...held.report, version: report.version, items: this.matches.visible(held.report.items) };
      }
      return report;
    });
  }
}

/**
 * `grepls.matchesInLines`'s answer: the matches on some lines of a document, of every pattern,
 * not cut at the diagnostics cap, as flat (line, start, end) triples per pattern id; `version` is
 * the document version they belong to.
 */
export interface LinesAnswer {
  version: number | null;
  matches: Record<string, number[]>;
  /** Each pattern's count in the whole document, as far as the server searched it: `complete`
   * false past `maxMatchesPerDocument` (the diagnostics then carry the first that many only). */
  counts?: Array<{ id: string; matches: number; complete: boolean }>;
}

/** The patterns whose count in the document a lines answer says is not complete: those with
 * more matches than the diagnostics carry. */
export function incompleteIds(answer: Pick<LinesAnswer, "counts">): Set<string> {
  const counts = Array.isArray(answer.counts) ? answer.counts : [];
  return new Set(counts.filter((c) => c?.complete === false && typeof c.id === "string").map((c) => c.id));
}

export function isLinesAnswer(value: unknown): value is LinesAnswer {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const { version, matches } = value as Partial<LinesAnswer>;
  return (
    (version === null || typeof version === "number") &&
    typeof matches === "object" &&
    matches !== null &&
    Object.values(matches).every((flat) => Array.isArray(flat) && flat.length % 3 === 0)
  );
}

/** One match on one line, in the document's columns. */
export interface LineSpan {
  line: number;
  start: number;
  end: number;
}

/** The spans of one pattern's flat triples. */
export function spansOf(flat: readonly number[]): LineSpan[] {
  const spans: LineSpan[] = [];
  for (let i = 0; i + 2 < flat.length; i += 3) {
    spans.push({ line: flat[i], start: flat[i + 1], end: flat[i + 2] });
  }
  return spans;
}

/**
 * The URI schemes of the documents the server is sent (the client's document selector). It knows
 * no other: a question about a diff's `git:` side, a notebook cell or an output is refused with
 * "... is not an open document", so such editors are not asked about.
 */
export const SYNCED_SCHEMES: readonly string[] = ["file", "untitled"];

export function isSynced(uri: { scheme: string }): boolean {
  return SYNCED_SCHEMES.includes(uri.scheme);
}

/** grepls.previewPattern's answer: a pattern being typed, tried on one document. */
export interface PreviewAnswer {
  version: number | null;
  /** Its matches on the lines asked for: [line, start, end, line, start, end, ...]. */
  matches: number[];
  /** Its matches in the whole document: a lower bound unless `complete`. */
  count: number;
  complete: boolean;
}

export function isPreviewAnswer(value: unknown): value is PreviewAnswer {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const { version, matches, count, complete } = value as Partial<PreviewAnswer>;
  return (
    (version === null || typeof version === "number") &&
    Array.isArray(matches) &&
    matches.length % 3 === 0 &&
    typeof count === "number" &&
    typeof complete === "boolean"
  );
}

/** What the pattern box says of a preview, as the find widget's count: "12 matches in this
 * file", "1001+ matches in this file", "no match in this file". */
export function previewText(answer: Pick<PreviewAnswer, "count" | "complete">): string {
  if (answer.count === 0) {
    return "no match in this file";
  }
  const plus = answer.complete ? "" : "+";
  return `${answer.count}${plus} match${answer.count === 1 && !plus ? "" : "es"} in this file`;
}

/** The most lines the server answers for at once (grepls.matchesInLines). */
export const MOST_LINES_AT_ONCE = 10_000;

/**
 * The lines [first, last) to ask for: those of the visible ranges (end lines included), with
 * `margin` more on each side so that a short scroll is painted already, within the document and
 * within what the server answers at once; undefined when nothing is visible.
 */
export function linesAround(
  visible: ReadonlyArray<{ start: number; end: number }>,
  margin: number,
  lineCount: number,
): [number, number] | undefined {
  if (visible.length === 0 || lineCount <= 0) {
    return undefined;
  }
  const first = Math.max(0, Math.min(...visible.map((range) => range.start)) - margin);
  const last = Math.min(lineCount, Math.max(...visible.map((range) => range.end)) + 1 + margin, first + MOST_LINES_AT_ONCE);
  return first < last ? [first, last] : undefined;
}
