/**
 * The pattern box's preview: while a pattern is typed into Set Search Pattern or Add Pattern, its
 * matches on the lines on screen light up in every visible editor, in the find widget's colour
 * for its current match (the search pattern already set keeps its own marks, in the colour of the
 * find widget's other matches), and the box says how many the active file holds — before Enter
 * sets anything.
 *
 * Each change of the box's text or flags asks the server `grepls.previewPattern` for each visible
 * editor (the lines on screen and a few around them): the server tries the pattern on that
 * document without setting it, publishing or saying anything, so a half-typed `e` neither floods
 * the Problems panel nor warns that a file is over the cap, and with the workspace scope no scan
 * starts per character. Answers may overtake each other: only an answer to an editor's latest
 * question is painted. A scroll while the box is open asks again for the new lines. A pattern the
 * server refuses (a regex the box's own check let through) clears the preview, and the refusal
 * is what the box shows. Only the editors of documents the server is sent (`file:`, `untitled:`)
 * are asked about: a diff's `git:` side or an output on screen is not the server's to answer.
 */
import * as vscode from "vscode";
import { isPreviewAnswer, isSynced, linesAround, PreviewAnswer, previewText, spansOf } from "./matches";
import { PatternQuery } from "./settings";

/** Asks the server to try `query` on lines [first, last) of an open document. */
export type PreviewSource = (uri: string, first: number, last: number, query: PatternQuery) => Thenable<unknown>;

/** Lines tried above and below the visible ones, so that a short scroll shows them at once. */
const MARGIN_LINES = 50;

/** What the box shows of a preview: the active file's count, or the server's refusal. */
export type PreviewOutcome = { count: string } | { refused: string } | undefined;

export class PatternPreview implements vscode.Disposable {
  private readonly type = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor("editor.findMatchBackground"),
    borderColor: new vscode.ThemeColor("editor.findMatchBorder"),
    borderStyle: "solid",
    borderWidth: "1px",
    overviewRulerColor: new vscode.ThemeColor("editorOverviewRuler.findMatchForeground"),
    overviewRulerLane: vscode.OverviewRulerLane.Center,
    rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
  });
  private query: PatternQuery | undefined;
  private requests = 0;
  private readonly latest = new WeakMap<vscode.TextEditor, number>();
  private readonly painted = new Set<vscode.TextEditor>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly source: PreviewSource) {
    this.subscriptions = [
      vscode.window.onDidChangeTextEditorVisibleRanges((event) => {
        if (this.query) {
          void this.paint(event.textEditor, this.query);
        }
      }),
    ];
  }

  /** Lights `query` up in every visible editor (none: clears); what the box should say of it. */
  async show(query: PatternQuery | undefined): Promise<PreviewOutcome> {
    this.query = query;
    if (!query) {
      this.clear();
      return undefined;
    }
    const active = vscode.window.activeTextEditor;
    const outcomes = await Promise.all(
      vscode.window.visibleTextEditors.map(async (editor) => [editor, await this.paint(editor, query)] as const),
    );
    if (this.query !== query) {
      return undefined; // typed on since
    }
    const refused = outcomes.find(([, outcome]) => outcome && "refused" in outcome);
    return refused?.[1] ?? outcomes.find(([editor]) => editor === active)?.[1];
  }

  /** Removes every preview mark; answers still on their way are not painted. */
  clear(): void {
    this.query = undefined;
    this.requests++;
    for (const editor of this.painted) {
      editor.setDecorations(this.type, []);
    }
    this.painted.clear();
  }

  private async paint(editor: vscode.TextEditor, query: PatternQuery): Promise<PreviewOutcome> {
    const document = editor.document;
    if (!isSynced(document.uri)) {
      return undefined;
    }
    const lines = linesAround(
      editor.visibleRanges.map((range) => ({ start: range.start.line, end: range.end.line })),
      MARGIN_LINES,
      document.lineCount,
    );
    if (!lines) {
      return undefined;
    }
    const request = ++this.requests;
    this.latest.set(editor, request);
    let answer: PreviewAnswer | undefined;
    try {
      const raw = await this.source(document.uri.toString(), lines[0], lines[1], query);
      answer = isPreviewAnswer(raw) ? raw : undefined;
    } catch (error) {
      if (this.latest.get(editor) === request && this.query === query) {
        this.unpaint(editor);
        return { refused: error instanceof Error ? error.message : String(error) };
      }
      return undefined;
    }
    if (!answer || this.latest.get(editor) !== request || this.query !== query || document.isClosed) {
      return undefined; // asked again since, cleared, or a server without the command
    }
    editor.setDecorations(
      this.type,
      spansOf(answer.matches).map((span) => new vscode.Range(span.line, span.start, span.line, span.end)),
    );
    this.painted.add(editor);
    return { count: previewText(answer) };
  }

  private unpaint(editor: vscode.TextEditor): void {
    editor.setDecorations(this.type, []);
    this.painted.delete(editor);
  }

  dispose(): void {
    this.clear();
    this.subscriptions.forEach((s) => s.dispose());
    this.type.dispose();
  }
}
