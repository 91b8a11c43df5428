/**
 * How many matches grepls reported for each document, read from the diagnostic reports as the
 * language client receives them (middleware.provideDiagnostics in server.ts).
 *
 * VS Code announces new markers with onDidChangeDiagnostics only after a 50 ms delay, on top of
 * converting every diagnostic into a marker first; a status bar counting from that event lags the
 * squiggles. The report is already in hand before either happens, so the status bar counts from
 * here and changes with the report that changed it. An "unchanged" report keeps the count.
 *
 * No `vscode` import, so that it can be unit-tested.
 */

export interface DiagnosticReport {
  kind: string;
  items?: readonly unknown[];
}

export class MatchCounts {
  private readonly counts = new Map<string, number>();
  private readonly listeners = new Set<(uri: string) => void>();

  /** Takes one document's report; tells the listeners when its count changed. */
  record(uri: string, report: DiagnosticReport | null | undefined): void {
    if (!report || report.kind !== "full" || !Array.isArray(report.items)) {
      return;
    }
    const count = report.items.length;
    if (this.counts.get(uri) === count) {
      return;
    }
    this.counts.set(uri, count);
    this.listeners.forEach((listener) => listener(uri));
  }

  /** The count of the last full report for `uri`, or undefined when none came. */
  get(uri: string): number | undefined {
    return this.counts.get(uri);
  }

  /** A new server: no report of the old one counts. */
  clear(): void {
    const uris = [...this.counts.keys()];
    this.counts.clear();
    uris.forEach((uri) => this.listeners.forEach((listener) => listener(uri)));
  }

  onDidChange(listener: (uri: string) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }
}
