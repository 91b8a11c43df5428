/**
 * Paints each pattern's matches in its own colour: a background on the match and a mark in the
 * overview ruler, as the find widget does, in every visible editor — every match on screen, at
 * any match count.
 *
 * Two sources, for two reasons:
 * - **The marks in the overview ruler** are the diagnostics the server sent (matches.ts), grouped
 *   by their code, the pattern id: the whole file's matches, as many as the server shows
 *   (`maxMatchesPerDocument`, 1,000 by default — what VS Code keeps of a file's diagnostics).
 * - **The backgrounds** are those of the lines on screen, asked of the server itself
 *   (`grepls.matchesInLines`: every pattern's matches on lines [first, last), not cut at the
 *   cap) whenever they may have changed: after an edit, after new diagnostics, after a scroll. A
 *   viewport holds a hundred lines or so, so the answer is small at any match count, and a match
 *   typed on line 20,000 of a file with 5,000 matches is drawn although no diagnostic carries it.
 *   An answer for another version of the document than the one on screen is not painted (a later
 *   one is asked for); without the server (not started yet), the diagnostics are painted instead.
 *
 * Hidden patterns (`"diagnostics": false`) are painted too, with their message as the hover (they
 * have no diagnostic to hover). One pair of decoration types per pattern, made again when its
 * colour changes (colors.ts decides which).
 */
import * as vscode from "vscode";
import { PatternCatalog } from "./catalog";
import { Paint, PatternPaint } from "./colors";
import { groupByPattern, isLinesAnswer, LinesAnswer, linesAround, PatternMatches, spansOf } from "./matches";

/** Asks the server for every match on lines [first, last) of a document. */
export type LinesSource = (uri: string, first: number, last: number) => Thenable<unknown>;

/** Lines painted above and below the visible ones, so that a short scroll shows them at once. */
const MARGIN_LINES = 100;
/** An answer for an older version than the editor's: ask again this much later, this many times. */
const RETRY_MS = 15;
const RETRIES = 5;

/** Runs `task` right after the current event-loop phase (Node's setImmediate), not after timers. */
function nextTurn(task: () => void): void {
  if (typeof setImmediate === "function") {
    setImmediate(task);
  } else {
    setTimeout(task, 0);
  }
}

function color(paint: Paint): string | vscode.ThemeColor {
  return "theme" in paint ? new vscode.ThemeColor(paint.theme) : paint.css;
}

function samePaint(a: PatternPaint, b: PatternPaint): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

interface PatternTypes {
  paint: PatternPaint;
  background: vscode.TextEditorDecorationType;
  ruler: vscode.TextEditorDecorationType;
}

export class PatternDecorations implements vscode.Disposable {
  private readonly types = new Map<string, PatternTypes>();
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Each editor's latest request, and the request whose answer it shows: an answer to an earlier
   * request than the one shown is not painted (answers may overtake each other). */
  private readonly latest = new WeakMap<vscode.TextEditor, number>();
  private readonly shown = new WeakMap<vscode.TextEditor, number>();
  private requests = 0;
  private disposed = false;

  constructor(
    private readonly matches: PatternMatches<vscode.Diagnostic>,
    private readonly catalog: PatternCatalog,
    private readonly source: LinesSource,
  ) {
    this.subscriptions.push(
      // New diagnostics: painted in a task of their own, after VS Code has been handed the
      // diagnostics (this event fires on their way to it), so the squiggles are not queued behind
      // a thousand ruler marks.
      matches.onDidChange((uri) => this.paintSoon(uri)),
      catalog.onDidChange(() => this.paintAll(undefined)),
      vscode.window.onDidChangeVisibleTextEditors(() => this.paintAll(undefined)),
      vscode.window.onDidChangeTextEditorVisibleRanges((event) => void this.paintVisible(event.textEditor)),
      // After an edit: the lines on screen are asked for again, in the next turn of the event loop
      // — after vscode-languageclient's own listener has queued the change (so the server
      // answers for this version), before the answer to its diagnostics request is read (which
      // takes the extension host 20 ms at 1,000 matches, and a timer would wait behind it).
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.contentChanges.length > 0) {
          nextTurn(() => this.paintVisibleOf(event.document.uri.toString()));
        }
      }),
    );
    this.paintAll(undefined);
  }

  private editorsOf(uri: string | undefined): vscode.TextEditor[] {
    return vscode.window.visibleTextEditors.filter((e) => uri === undefined || e.document.uri.toString() === uri);
  }

  /** Repaints the visible editors of one document (or all of them): ruler marks and screen. */
  private paintAll(uri: string | undefined): void {
    for (const editor of this.editorsOf(uri)) {
      this.paintRuler(editor);
      void this.paintVisible(editor);
    }
  }

  /** Documents (undefined: all) to repaint in the next task, once each however often asked. */
  private pending: Set<string | undefined> | undefined;

  private paintSoon(uri: string | undefined): void {
    if (this.pending) {
      this.pending.add(uri);
      return;
    }
    this.pending = new Set([uri]);
    nextTurn(() => {
      const uris = this.pending ?? new Set();
      this.pending = undefined;
      if (this.disposed) {
        return;
      }
      if (uris.has(undefined)) {
        this.paintAll(undefined);
      } else {
        uris.forEach((u) => this.paintAll(u));
      }
    });
  }

  private paintVisibleOf(uri: string): void {
    for (const editor of this.editorsOf(uri)) {
      void this.paintVisible(editor);
    }
  }

  /** The overview ruler's marks: every match the diagnostics carry. */
  private paintRuler(editor: vscode.TextEditor): void {
    const groups = groupByPattern(this.matches.all(editor.document.uri.toString()));
    this.updateTypes(groups.keys());
    for (const [id, { ruler }] of this.types) {
      editor.setDecorations(ruler, (groups.get(id) ?? []).map((d) => d.range));
    }
  }

  /** The backgrounds of the lines on screen, as the server answers for them. */
  private async paintVisible(editor: vscode.TextEditor, retries = RETRIES): Promise<void> {
    const document = editor.document;
    const uri = document.uri.toString();
    const lines = linesAround(
      editor.visibleRanges.map((range) => ({ start: range.start.line, end: range.end.line })),
      MARGIN_LINES,
      document.lineCount,
    );
    if (!lines) {
      return;
    }
    const request = ++this.requests;
    this.latest.set(editor, request);
    let answer: LinesAnswer | undefined;
    try {
      const raw = await this.source(uri, lines[0], lines[1]);
      answer = isLinesAnswer(raw) ? raw : undefined;
    } catch {
      answer = undefined; // no server (yet), or one without the command: paint the diagnostics
    }
    if (this.disposed || (this.shown.get(editor) ?? 0) > request || document.isClosed) {
      return; // a later answer is painted already
    }
    if (answer && answer.version !== null && answer.version !== document.version) {
      if (answer.version < document.version && retries > 0 && this.latest.get(editor) === request) {
        setTimeout(() => {
          if (this.latest.get(editor) === request) {
            void this.paintVisible(editor, retries - 1);
          }
        }, RETRY_MS);
      }
      return;
    }
    this.shown.set(editor, request);
    if (answer) {
      this.catalog.noteLinesAnswer(uri, answer);
    }
    this.paintBackgrounds(editor, answer, lines);
  }

  private paintBackgrounds(editor: vscode.TextEditor, answer: LinesAnswer | undefined, lines: [number, number]): void {
    const groups = groupByPattern(this.matches.all(editor.document.uri.toString()));
    this.updateTypes(answer ? Object.keys(answer.matches) : groups.keys());
    for (const [id, { background }] of this.types) {
      const diagnostics = groups.get(id) ?? [];
      const ranges = answer
        ? spansOf(answer.matches[id] ?? []).map((s) => new vscode.Range(s.line, s.start, s.line, s.end))
        : diagnostics.map((d) => d.range).filter((r) => r.start.line >= lines[0] && r.start.line < lines[1]);
      // A pattern kept out of the Problems panel has no diagnostic hover: the decoration says it.
      const message = this.matches.isHidden(id) ? diagnostics[0]?.message : undefined;
      editor.setDecorations(
        background,
        ranges.map((range) => (message === undefined ? { range } : { range, hoverMessage: message })),
      );
    }
  }

  /** One pair of decoration types per pattern in its current colour; a changed colour, new ones. */
  private updateTypes(ids: Iterable<string>): void {
    const paints = this.catalog.paints(ids);
    let made = false;
    for (const [id, paint] of paints) {
      const current = this.types.get(id);
      if (current && samePaint(current.paint, paint)) {
        continue;
      }
      // Disposing removes its decorations from every editor: they are painted again below.
      current?.background.dispose();
      current?.ruler.dispose();
      this.types.set(id, {
        paint,
        background: vscode.window.createTextEditorDecorationType({
          backgroundColor: color(paint.background),
          rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
        }),
        ruler: vscode.window.createTextEditorDecorationType({
          overviewRulerColor: color(paint.overviewRuler),
          overviewRulerLane: vscode.OverviewRulerLane.Center,
        }),
      });
      made = made || current !== undefined;
    }
    if (made) {
      setTimeout(() => this.paintAll(undefined), 0);
    }
  }

  dispose(): void {
    this.disposed = true;
    this.subscriptions.forEach((s) => s.dispose());
    this.types.forEach(({ background, ruler }) => {
      background.dispose();
      ruler.dispose();
    });
    this.types.clear();
  }
}
