/**
 * The patterns the client knows about, from both places they come from: the `grepls.patterns`
 * setting and the patterns kept in the workspace state (keptPatterns.ts). It answers what the
 * rest of the UI asks about a pattern id — its label, its colour, whether its diagnostics are
 * kept out of the Problems panel — and how many matches each pattern has in a document.
 *
 * The server is the authority on which patterns run (`grepls.listPatterns`); the catalog only
 * holds what the client adds to them (colour, `diagnostics: false`) and what it must send again
 * after a restart. A pattern id that is in neither place (the ad-hoc search, or a pattern the
 * server took from an entry this client could not read) still gets a colour and a label.
 */
import * as vscode from "vscode";
import { assignColors, PatternPaint } from "./colors";
import { KeptPatterns } from "./keptPatterns";
import { groupByPattern, incompleteIds, LinesAnswer, PatternMatches } from "./matches";
import { entryId, hiddenIds, PatternEntry, patternLabel, readEntries, SEARCH_ID } from "./patterns";

export type KnownEntry = PatternEntry & { id: string; origin: "settings" | "kept" };

export interface PatternCount {
  id: string;
  label: string;
  /** Its diagnostics in the document: at most `maxMatchesPerDocument`. */
  count: number;
  /** False when the document holds more than `count` (the server capped them). */
  complete: boolean;
}

export class PatternCatalog implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when an entry, a colour or the diagnostics filter may have changed. */
  readonly onDidChange = this.changed.event;
  private readonly countsChanged = new vscode.EventEmitter<void>();
  /** Fires when `counts` may answer differently: new matches somewhere, or new entries. */
  readonly onDidChangeCounts = this.countsChanged.event;
  /** Pattern ids in the order first seen in diagnostics, for ids no entry names. */
  private readonly seen = new Set<string>();
  /** Per document URI, the patterns with more matches than their diagnostics: the server's
   * latest `grepls.matchesInLines` answer for it says so (the diagnostics cannot: a file with
   * exactly the cap's count looks the same). */
  private readonly capped = new Map<string, Set<string>>();
  private readonly subscription: { dispose(): void };

  constructor(
    readonly kept: KeptPatterns,
    private readonly matches: PatternMatches<vscode.Diagnostic>,
    /** Labels the ad-hoc search (the status bar's own description of it). */
    private readonly searchLabel: () => string | undefined,
  ) {
    this.subscription = matches.onDidChange(() => this.countsChanged.fire());
  }

  /** The entries of `grepls.patterns` the client can read. */
  settingsEntries(): Array<PatternEntry & { id: string }> {
    return readEntries(vscode.workspace.getConfiguration("grepls").get<unknown>("patterns")).map((entry) => ({
      ...entry,
      id: entryId(entry),
    }));
  }

  /** Settings' entries, then kept ones: the server's order. */
  entries(): KnownEntry[] {
    return [
      ...this.settingsEntries().map((entry) => ({ ...entry, origin: "settings" as const })),
      ...this.kept.list().map((entry) => ({ ...entry, origin: "kept" as const })),
    ];
  }

  /**
   * Re-reads where the entries live. Returns true when the set of patterns kept out of the
   * Problems panel changed: VS Code must then be shown the diagnostics again.
   */
  refresh(): boolean {
    const filterChanged = this.matches.setHidden(hiddenIds(this.entries()));
    this.changed.fire();
    this.countsChanged.fire();
    return filterChanged;
  }

  /** Every pattern's paint: entries' colours, then palette colours in order. */
  paints(extraIds: Iterable<string> = []): Map<string, PatternPaint> {
    for (const id of extraIds) {
      this.seen.add(id);
    }
    const known = this.entries().map(({ id, color }) => ({ id, color }));
    const ids = new Set(known.map((entry) => entry.id));
    const others = [...this.seen].filter((id) => !ids.has(id)).map((id) => ({ id }));
    return assignColors([...known, ...others]);
  }

  label(id: string): string {
    if (id === SEARCH_ID) {
      const search = this.searchLabel();
      return search ? `search ${search}` : "search";
    }
    const entry = this.entries().find((e) => e.id === id);
    return entry ? patternLabel({ id, pattern: entry.pattern, regex: entry.regex === true }) : id;
  }

  /** Each pattern's number of matches in a document, in the server's order; none: empty. */
  counts(uri: vscode.Uri): PatternCount[] {
    const groups = groupByPattern(this.matches.all(uri.toString()));
    const capped = this.capped.get(uri.toString());
    const order = [...this.entries().map((e) => e.id), SEARCH_ID];
    const ids = [...order.filter((id) => groups.has(id)), ...[...groups.keys()].filter((id) => !order.includes(id))];
    return ids.map((id) => ({
      id,
      label: this.label(id),
      count: groups.get(id)?.length ?? 0,
      complete: !capped?.has(id),
    }));
  }

  /** What the server's latest `grepls.matchesInLines` answer for a document (of the version on
   * screen) says of its counts: which patterns' diagnostics stop at the cap. */
  noteLinesAnswer(uri: string, answer: Pick<LinesAnswer, "counts">): void {
    if (!answer.counts) {
      return; // a server that does not say
    }
    const capped = incompleteIds(answer);
    const before = this.capped.get(uri) ?? new Set<string>();
    if (capped.size === before.size && [...capped].every((id) => before.has(id))) {
      return;
    }
    if (capped.size) {
      this.capped.set(uri, capped);
    } else {
      this.capped.delete(uri);
    }
    this.countsChanged.fire();
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
    this.countsChanged.dispose();
  }
}
