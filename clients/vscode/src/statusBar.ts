/**
 * The status bar item: the active pattern and how many matches it has in the active editor,
 * counted from the diagnostic reports as the language client receives them (catalog.ts), so it
 * changes with the report rather than 50 ms later with VS Code's markers. Clicking it opens Set Search Pattern. Its tooltip counts every
 * pattern's matches in the active editor (the kept ones too), one line each.
 */
import * as vscode from "vscode";
import { PatternCount } from "./catalog";
import { SEARCH_ID } from "./patterns";
import { describeQuery, matchCount } from "./settings";
import { PatternState } from "./state";

/** Every pattern's matches in a document, and when they change (catalog.ts). */
export interface PatternCounts {
  counts(uri: vscode.Uri): PatternCount[];
  readonly onDidChange: vscode.Event<unknown>;
}

export const DIAGNOSTIC_SOURCE = "grepls";

export function grepDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === DIAGNOSTIC_SOURCE);
}

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("grepls.status", vscode.StatusBarAlignment.Left, 50);
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly state: PatternState,
    private readonly patterns?: PatternCounts,
  ) {
    this.item.name = "grepls";
    if (patterns) {
      this.subscriptions.push(patterns.onDidChange(() => this.render()));
    }
    this.subscriptions.push(
      state.onDidChange(() => this.render()),
      vscode.window.onDidChangeActiveTextEditor(() => this.render()),
      vscode.languages.onDidChangeDiagnostics((event) => {
        const active = vscode.window.activeTextEditor?.document.uri.toString();
        if (active && event.uris.some((uri) => uri.toString() === active)) {
          this.render();
        }
      }),
    );
    this.render();
    this.item.show();
  }

  private serverProblem: string | undefined;

  /** Shown instead of the pattern while the server could not be started. */
  setServerProblem(problem: string | undefined): void {
    this.serverProblem = problem;
    this.render();
  }

  render(): void {
    if (this.serverProblem) {
      this.item.text = "$(error) grepls";
      this.item.tooltip = `grepls is not running: ${this.serverProblem}. See the grepls output; grepls: Restart Server retries.`;
      this.item.command = "grepls.ui.restartServer";
      return;
    }
    this.item.command = "grepls.ui.setPattern";
    const editor = vscode.window.activeTextEditor;
    const perPattern = editor && this.patterns ? this.patterns.counts(editor.document.uri) : [];
    const kept = perPattern.filter((p) => p.id !== SEARCH_ID);
    const keptLines = kept.length
      ? `\n\nIn this file:\n${perPattern.map((p) => `${p.label}: ${matchCount(p.count)}`).join("\n")}`
      : "";
    const query = this.state.query;
    if (!query) {
      this.item.text = "$(search) grepls";
      this.item.tooltip = `grepls: no search pattern. Click to set one.${keptLines}`;
      return;
    }
    // The search pattern's own count, from the report the client holds as soon as it arrives
    // (VS Code announces its markers 50 ms later, after converting every one); VS Code's markers
    // only when no report has come yet.
    const search = perPattern.find((p) => p.id === SEARCH_ID);
    const count = !editor
      ? undefined
      : search
        ? search.count
        : grepDiagnostics(editor.document.uri).filter((d) => d.code === undefined || d.code === SEARCH_ID).length;
    const shown = query.pattern.length > 30 ? `${query.pattern.slice(0, 29)}…` : query.pattern;
    this.item.text = count === undefined ? `$(search) ${shown}` : `$(search) ${shown}: ${count}`;
    this.item.tooltip =
      `grepls: ${describeQuery(query)}` +
      (count === undefined ? "" : ` — ${matchCount(count)} in this file`) +
      `. Click to change.${keptLines}`;
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.item.dispose();
  }
}
