/**
 * The status bar item: the active pattern and how many matches it has in the active editor,
 * counted from the diagnostic reports as the language client receives them (catalog.ts), so it
 * changes with the report rather than 50 ms later with VS Code's markers. Clicking it opens Set Search Pattern. Its tooltip counts every
 * pattern's matches in the active editor (the kept ones too), one line each.
 *
 * With the scope "workspace" it also counts the whole workspace — `TODO: 3 · 41 in workspace` —
 * from the grepls view's list (matchesView.ts), which the server answers afresh after edits and
 * disk changes; the tooltip says in how many files, and whether the count is complete (not while
 * a scan runs, nor when the list was cut at `grepls.maxWorkspaceMatches`).
 */
import * as vscode from "vscode";
import { PatternCount } from "./catalog";
import { SEARCH_ID } from "./patterns";
import { escapeIcons } from "./labels";
import { countText, describeQuery, matchCount } from "./settings";
import { PatternState } from "./state";
import { workspaceText, WorkspaceSummary } from "./workspaceMatches";

/** Every pattern's matches in a document, and when they change (catalog.ts). */
export interface PatternCounts {
  counts(uri: vscode.Uri): PatternCount[];
  readonly onDidChange: vscode.Event<unknown>;
}

/** The whole workspace's counts, while the scope is the workspace (matchesView.ts). */
export interface WorkspaceCounts {
  summary(): WorkspaceSummary | undefined;
  readonly onDidChangeSummary: vscode.Event<unknown>;
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
    private readonly workspace?: WorkspaceCounts,
  ) {
    this.item.name = "grepls";
    if (patterns) {
      this.subscriptions.push(patterns.onDidChange(() => this.render()));
    }
    if (workspace) {
      this.subscriptions.push(workspace.onDidChangeSummary(() => this.render()));
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
      ? `\n\nIn this file:\n${perPattern.map((p) => `${p.label}: ${matchCount(p.count, p.complete)}`).join("\n")}`
      : "";
    const query = this.state.query;
    const summary = this.workspace?.summary();
    if (!query) {
      // Without a search, the workspace count is every kept pattern's.
      const whole = summary && summary.matches > 0 ? workspaceText(summary, undefined) : undefined;
      this.item.text = `$(search) grepls${whole?.text ?? ""}`;
      this.item.tooltip = `grepls: no search pattern. Click to set one.${keptLines}${whole?.tooltip ?? ""}`;
      return;
    }
    // The search pattern's own count, from the report the client holds as soon as it arrives
    // (VS Code announces its markers 50 ms later, after converting every one); VS Code's markers
    // only when no report has come yet.
    const search = perPattern.find((p) => p.id === SEARCH_ID);
    const complete = search?.complete ?? true;
    const count = !editor
      ? undefined
      : search
        ? search.count
        : grepDiagnostics(editor.document.uri).filter((d) => d.code === undefined || d.code === SEARCH_ID).length;
    const shown = escapeIcons(query.pattern.length > 30 ? `${query.pattern.slice(0, 29)}…` : query.pattern);
    const whole = summary ? workspaceText(summary, SEARCH_ID) : undefined;
    this.item.text =
      (count === undefined ? `$(search) ${shown}` : `$(search) ${shown}: ${countText(count, complete)}`) + (whole?.text ?? "");
    this.item.tooltip =
      `grepls: ${describeQuery(query)}` +
      (count === undefined ? "" : ` — ${matchCount(count, complete)} in this file`) +
      `. Click to change.${keptLines}${whole?.tooltip ?? ""}`;
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.item.dispose();
  }
}
