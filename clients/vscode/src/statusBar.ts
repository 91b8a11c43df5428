/**
 * The status bar item: the active pattern and how many matches it has in the active editor.
 * The count comes from the last diagnostic report the client received for that document
 * (matchCounts.ts), so it changes with the report, not 50 ms or more later when VS Code announces
 * its markers; for a document no report has come for yet, from the grepls diagnostics VS Code
 * holds. Clicking it opens Set Search Pattern.
 */
import * as vscode from "vscode";
import { MatchCounts } from "./matchCounts";
import { describeQuery, matchCount } from "./settings";
import { PatternState } from "./state";

export const DIAGNOSTIC_SOURCE = "grepls";

export function grepDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === DIAGNOSTIC_SOURCE);
}

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("grepls.status", vscode.StatusBarAlignment.Left, 50);
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly state: PatternState,
    private readonly counts: MatchCounts,
  ) {
    this.item.name = "grepls";
    this.subscriptions.push(
      state.onDidChange(() => this.render()),
      counts.onDidChange((uri) => {
        if (uri === vscode.window.activeTextEditor?.document.uri.toString()) {
          this.render();
        }
      }),
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
    const query = this.state.query;
    if (!query) {
      this.item.text = "$(search) grepls";
      this.item.tooltip = "grepls: no pattern. Click to set one.";
      return;
    }
    const editor = vscode.window.activeTextEditor;
    const uri = editor?.document.uri;
    const count = uri ? (this.counts.get(uri.toString()) ?? grepDiagnostics(uri).length) : undefined;
    const shown = query.pattern.length > 30 ? `${query.pattern.slice(0, 29)}…` : query.pattern;
    this.item.text = count === undefined ? `$(search) ${shown}` : `$(search) ${shown}: ${count}`;
    this.item.tooltip =
      `grepls: ${describeQuery(query)}` +
      (count === undefined ? "" : ` — ${matchCount(count)} in this file`) +
      ". Click to change.";
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.item.dispose();
  }
}
