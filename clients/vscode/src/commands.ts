/**
 * The palette commands. Their ids live under `grepls.ui.` because the server's own ids
 * (grepls.setPattern, ...) are registered by vscode-languageclient for the server.
 *
 * Every change of the search goes to the server first; PatternState changes only once the server
 * accepted, so a refused pattern (InvalidParams) leaves everything as it was.
 */
import * as vscode from "vscode";
import { nextMatch, previousMatch } from "./matchNavigation";
import { checkPattern } from "./regexCheck";
import { replaceAll } from "./replace";
import { GreplsServer } from "./server";
import { describeQuery, matchCount, PatternFlag } from "./settings";
import { PatternState } from "./state";
import { grepDiagnostics } from "./statusBar";

const HISTORY_KEY = "grepls.patternHistory";
const HISTORY_SIZE = 30;

const FLAG_BUTTONS: ReadonlyArray<{ flag: PatternFlag; icon: string; name: string }> = [
  { flag: "regex", icon: "regex", name: "Use Regular Expression" },
  { flag: "caseSensitive", icon: "case-sensitive", name: "Match Case" },
  { flag: "wholeWord", icon: "whole-word", name: "Match Whole Word" },
];

interface FlagButton extends vscode.QuickInputButton {
  flag?: PatternFlag;
  history?: true;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class Commands {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly server: GreplsServer,
    private readonly state: PatternState,
  ) {}

  register(): vscode.Disposable[] {
    const command = (id: string, run: () => Promise<unknown>) =>
      vscode.commands.registerCommand(id, async () => {
        try {
          await run();
        } catch (error) {
          void vscode.window.showErrorMessage(`grepls: ${errorText(error)}`);
        }
      });
    return [
      command("grepls.ui.setPattern", () => this.setPattern()),
      command("grepls.ui.clearPattern", () => this.clearPattern()),
      command("grepls.ui.toggleRegex", () => this.toggle("regex")),
      command("grepls.ui.toggleCaseSensitive", () => this.toggle("caseSensitive")),
      command("grepls.ui.toggleWholeWord", () => this.toggle("wholeWord")),
      command("grepls.ui.showMatches", () => this.showMatches()),
      command("grepls.ui.nextMatch", () => this.jump("next")),
      command("grepls.ui.previousMatch", () => this.jump("previous")),
      command("grepls.ui.replaceAll", () => replaceAll(this.server, this.state)),
      command("grepls.ui.restartServer", () => this.restart()),
    ];
  }

  private get history(): string[] {
    return this.context.globalState.get<string[]>(HISTORY_KEY, []);
  }

  private async remember(pattern: string): Promise<void> {
    const history = [pattern, ...this.history.filter((p) => p !== pattern)].slice(0, HISTORY_SIZE);
    await this.context.globalState.update(HISTORY_KEY, history);
  }

  /** The selection when it is on one line, else the word under the cursor, else the last pattern. */
  private prefill(): string {
    const editor = vscode.window.activeTextEditor;
    if (editor) {
      const selection = editor.selection;
      if (!selection.isEmpty && selection.isSingleLine) {
        return editor.document.getText(selection);
      }
      const word = editor.document.getWordRangeAtPosition(selection.active);
      if (word) {
        return editor.document.getText(word);
      }
    }
    return this.state.pattern ?? this.history[0] ?? "";
  }

  private setPattern(): Promise<void> {
    return new Promise((done) => {
      const box = vscode.window.createInputBox();
      const flags = { ...this.state.flags };
      let choosingFromHistory = false;

      const render = () => {
        const on = (flag: PatternFlag) => (flags[flag] ? "on" : "off");
        box.title = `grepls: Set Search Pattern (regex ${on("regex")}, match case ${on("caseSensitive")}, whole word ${on("wholeWord")})`;
        const buttons: FlagButton[] = FLAG_BUTTONS.map(({ flag, icon, name }) => ({
          flag,
          iconPath: new vscode.ThemeIcon(icon),
          tooltip: `${name} (${on(flag)})`,
        }));
        if (this.history.length > 0) {
          buttons.push({ history: true, iconPath: new vscode.ThemeIcon("history"), tooltip: "Earlier Patterns" });
        }
        box.buttons = buttons;
        const verdict = checkPattern(box.value, flags.regex);
        box.validationMessage = verdict.ok || box.value === "" ? undefined : verdict.message;
      };

      box.prompt = "Highlight every match in all open documents (Enter to apply, Escape to cancel)";
      box.placeholder = "a word, TODO, or a regular expression with the .* button";
      box.value = this.prefill();
      box.valueSelection = [0, box.value.length];
      render();

      box.onDidChangeValue(render);
      box.onDidTriggerButton(async (button: FlagButton) => {
        if (button.flag) {
          flags[button.flag] = !flags[button.flag];
          render();
          return;
        }
        choosingFromHistory = true;
        const picked = await vscode.window.showQuickPick(this.history, { title: "grepls: Earlier Patterns" });
        choosingFromHistory = false;
        if (picked !== undefined) {
          box.value = picked;
        }
        render();
        box.show();
      });
      box.onDidAccept(async () => {
        const verdict = checkPattern(box.value, flags.regex);
        if (!verdict.ok) {
          box.validationMessage = verdict.message;
          return;
        }
        const query = { pattern: box.value, ...flags };
        box.busy = true;
        box.enabled = false;
        try {
          const result = await this.server.setPattern(query);
          this.state.update(query.pattern, flags);
          await this.remember(query.pattern);
          vscode.window.setStatusBarMessage(
            `grepls: ${describeQuery(query)}: ${matchCount(result.matches)} in open documents`,
            4000,
          );
          box.hide();
        } catch (error) {
          // The server's InvalidParams message, shown where the user is typing.
          box.validationMessage = errorText(error);
        } finally {
          box.busy = false;
          box.enabled = true;
        }
      });
      box.onDidHide(() => {
        if (!choosingFromHistory) {
          box.dispose();
          done();
        }
      });
      box.show();
    });
  }

  private async clearPattern(): Promise<void> {
    await this.server.clearPattern();
    this.state.update(null);
  }

  private async toggle(flag: PatternFlag): Promise<void> {
    const flags = { ...this.state.flags, [flag]: !this.state.flags[flag] };
    const pattern = this.state.pattern;
    if (pattern !== null) {
      // Refused (e.g. regex on for "a(") -> the error is shown and nothing changes.
      await this.server.setPattern({ pattern, ...flags });
    }
    this.state.update(pattern, flags);
    const names: Record<PatternFlag, string> = { regex: "regex", caseSensitive: "match case", wholeWord: "whole word" };
    vscode.window.setStatusBarMessage(`grepls: ${names[flag]} ${flags[flag] ? "on" : "off"}`, 3000);
  }

  /** Like Emacs occur: every matching line of the active document; picking one jumps there. */
  private async showMatches(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage("grepls: open a document first");
      return;
    }
    if (this.state.pattern === null) {
      void vscode.window.showInformationMessage("grepls: no pattern set (grepls: Set Search Pattern)");
      return;
    }
    const matches = await this.server.listMatches(editor.document.uri);
    type Item = vscode.QuickPickItem & { range: vscode.Range };
    const items: Item[] = matches.map((m) => ({
      label: `${m.range.start.line + 1}: ${m.text.trim()}`,
      range: m.range,
    }));
    const pick = vscode.window.createQuickPick<Item>();
    pick.title = `grepls: ${matchCount(matches.length)} of ${describeQuery(this.state.query!)}`;
    pick.placeholder = items.length ? "Type to filter; Enter jumps to the match" : "No matches in this document";
    pick.items = items;
    const cursor = editor.selection.active;
    const first = items.find((i) => i.range.start.isAfterOrEqual(cursor.with(undefined, 0))) ?? items[0];
    if (first) {
      pick.activeItems = [first];
    }
    const original = editor.selection;
    let accepted = false;
    const show = (item: Item | undefined, preview: boolean) => {
      if (!item) {
        return;
      }
      editor.selection = new vscode.Selection(item.range.start, item.range.end);
      editor.revealRange(item.range, preview ? vscode.TextEditorRevealType.InCenterIfOutsideViewport : vscode.TextEditorRevealType.InCenter);
    };
    await new Promise<void>((done) => {
      pick.onDidChangeActive((active) => show(active[0], true));
      pick.onDidAccept(() => {
        accepted = true;
        show(pick.selectedItems[0] ?? pick.activeItems[0], false);
        pick.hide();
      });
      pick.onDidHide(() => {
        if (!accepted) {
          editor.selection = original;
          editor.revealRange(original, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
        }
        pick.dispose();
        done();
      });
      pick.show();
    });
    if (accepted) {
      await vscode.window.showTextDocument(editor.document, editor.viewColumn);
    }
  }

  private async jump(direction: "next" | "previous"): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      return;
    }
    const ranges = grepDiagnostics(editor.document.uri).map((d) => d.range);
    const cursor = editor.selection.active;
    const target = (direction === "next" ? nextMatch : previousMatch)(ranges, cursor);
    if (!target) {
      vscode.window.setStatusBarMessage("grepls: no matches in this document", 3000);
      return;
    }
    editor.selection = new vscode.Selection(target.start, target.end);
    editor.revealRange(target, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private async restart(): Promise<void> {
    await this.server.restart();
  }
}
