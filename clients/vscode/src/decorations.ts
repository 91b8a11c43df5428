/**
 * Paints each pattern's matches in its own colour: a background on the match and a mark in the
 * overview ruler, as the find widget does, in every visible editor.
 *
 * The matches are the diagnostics the server sent (matches.ts), grouped by their code, the
 * pattern id; so the painting follows every publish or pull, hidden patterns (`"diagnostics":
 * false`) included, and needs nothing from the server beyond the diagnostics. One decoration
 * type per pattern, made again when its colour changes (colors.ts decides which).
 */
import * as vscode from "vscode";
import { PatternCatalog } from "./catalog";
import { Paint, PatternPaint } from "./colors";
import { groupByPattern, PatternMatches } from "./matches";

function color(paint: Paint): string | vscode.ThemeColor {
  return "theme" in paint ? new vscode.ThemeColor(paint.theme) : paint.css;
}

function samePaint(a: PatternPaint, b: PatternPaint): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class PatternDecorations implements vscode.Disposable {
  private readonly types = new Map<string, { paint: PatternPaint; type: vscode.TextEditorDecorationType }>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly matches: PatternMatches<vscode.Diagnostic>,
    private readonly catalog: PatternCatalog,
  ) {
    this.subscriptions.push(
      matches.onDidChange((uri) => this.paintAll(uri)),
      catalog.onDidChange(() => this.paintAll(undefined)),
      vscode.window.onDidChangeVisibleTextEditors(() => this.paintAll(undefined)),
    );
    this.paintAll(undefined);
  }

  /** Repaints the visible editors of one document (or all of them). */
  private paintAll(uri: string | undefined): void {
    const editors = vscode.window.visibleTextEditors.filter((e) => uri === undefined || e.document.uri.toString() === uri);
    if (editors.length === 0) {
      return;
    }
    const groups = editors.map((editor) => groupByPattern(this.matches.all(editor.document.uri.toString())));
    const paints = this.catalog.paints(groups.flatMap((group) => [...group.keys()]));
    this.updateTypes(paints);
    editors.forEach((editor, i) => this.paint(editor, groups[i]));
  }

  /** One decoration type per pattern in its current colour; a changed colour, a new type. */
  private updateTypes(paints: Map<string, PatternPaint>): void {
    for (const [id, paint] of paints) {
      const current = this.types.get(id);
      if (current && samePaint(current.paint, paint)) {
        continue;
      }
      current?.type.dispose(); // removes its decorations from every editor
      const type = vscode.window.createTextEditorDecorationType({
        backgroundColor: color(paint.background),
        overviewRulerColor: color(paint.overviewRuler),
        overviewRulerLane: vscode.OverviewRulerLane.Center,
        rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
      });
      this.types.set(id, { paint, type });
    }
  }

  private paint(editor: vscode.TextEditor, groups: Map<string, vscode.Diagnostic[]>): void {
    for (const [id, { type }] of this.types) {
      const diagnostics = groups.get(id) ?? [];
      // A pattern kept out of the Problems panel has no diagnostic hover: the decoration says it.
      const hidden = this.matches.isHidden(id);
      editor.setDecorations(
        type,
        diagnostics.map((d) => (hidden ? { range: d.range, hoverMessage: d.message } : { range: d.range })),
      );
    }
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.types.forEach(({ type }) => type.dispose());
    this.types.clear();
  }
}
