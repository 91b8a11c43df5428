/**
 * The palette commands. Their ids live under `grepls.ui.` because the server's own ids
 * (grepls.setPattern, ...) are registered by vscode-languageclient for the server.
 *
 * Every change of the search goes to the server first; PatternState changes only once the server
 * accepted, so a refused pattern (InvalidParams) leaves everything as it was.
 *
 * Kept patterns (Add Pattern, Pin Search Pattern) go to the server with `grepls.addPattern` and
 * into the workspace state (keptPatterns.ts), from where they are sent again after every start;
 * or, when the user asks, into the workspace's `grepls.patterns` setting, which the server reads.
 */
import * as vscode from "vscode";
import { PatternCatalog } from "./catalog";
import { isCssColor, nextFreeColor, PALETTE } from "./colors";
import { escapeIcons } from "./labels";
import { jumpOrigin, nextMatch, type Place, placeText, previousMatch } from "./matchNavigation";
import { isSynced, PatternMatches } from "./matches";
import { PatternPreview } from "./preview";
import { entryId, newPatternId, PatternEntry, patternLabel, SEARCH_ID, Severity } from "./patterns";
import { checkPattern } from "./regexCheck";
import { replaceAll } from "./replace";
import { GreplsServer, MatchLine } from "./server";
import { describeQuery, matchCount, PatternFlag, PatternQuery } from "./settings";
import { PatternState } from "./state";

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

/** What the pattern box's accept step answers: done (undefined), stay open (null), or a refusal. */
type Outcome = undefined | null | string;

/** While the pattern box is open: run other pickers in its place, or show it busy. */
interface PatternBoxUi {
  aside<T>(pick: () => Thenable<T>): Promise<T>;
  busy<T>(work: () => Promise<T>): Promise<T>;
}

/** How Add Pattern's later steps answer. */
interface PatternChoices {
  severity?: Severity;
  diagnostics?: false;
  color: string;
  where: "state" | "settings";
}

type Pickable<T> = vscode.QuickPickItem & { value: T };

export class Commands {
  /** The last jump's "match 3 of 120", replaced by the next jump's. */
  private placeMessage: vscode.Disposable | undefined;
  /** The toggle under way (toggle). */
  private toggling: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly server: GreplsServer,
    private readonly state: PatternState,
    private readonly catalog: PatternCatalog,
    private readonly matches: PatternMatches<vscode.Diagnostic>,
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
      command("grepls.ui.addPattern", () => this.addPattern()),
      command("grepls.ui.removePattern", () => this.removePattern()),
      command("grepls.ui.pinPattern", () => this.pinPattern()),
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

  /**
   * The pattern input box of Set Search Pattern and Add Pattern: the selection or word as its
   * value, the regex / match case / whole word buttons, earlier patterns, the regex pre-check
   * while typing. `accept` runs on Enter with a pattern that passed the check; what it answers
   * says whether the box closes or shows a refusal (the server's InvalidParams message).
   */
  private patternBox(
    title: string,
    prompt: string,
    accept: (query: PatternQuery, ui: PatternBoxUi) => Promise<Outcome>,
  ): Promise<void> {
    return new Promise((done) => {
      const box = vscode.window.createInputBox();
      const flags = { ...this.state.flags };
      let aside = false;
      const preview = new PatternPreview((uri, first, last, query) => this.server.previewPattern(uri, first, last, query));
      let previewed = 0;

      const render = () => {
        const on = (flag: PatternFlag) => (flags[flag] ? "on" : "off");
        box.title = `grepls: ${title} (regex ${on("regex")}, match case ${on("caseSensitive")}, whole word ${on("wholeWord")})`;
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
        box.validationMessage = verdict.ok || box.value === "" ? undefined : escapeIcons(verdict.message);
        showPreview(verdict.ok && box.value !== "" ? { pattern: box.value, ...flags } : undefined);
      };
      const showPreview = (query: PatternQuery | undefined) => {
        const asked = ++previewed;
        box.prompt = prompt;
        void preview.show(query).then((outcome) => {
          if (asked !== previewed || !outcome) {
            return; // typed on since, or nothing to say
          }
          if ("refused" in outcome) {
            box.validationMessage = escapeIcons(outcome.refused);
          } else {
            box.prompt = `${outcome.count}. ${prompt}`;
          }
        });
      };
      const ui: PatternBoxUi = {
        // Another picker replaces the box while it is open; the box comes back afterwards.
        aside: async (pick) => {
          aside = true;
          try {
            return await pick();
          } finally {
            aside = false;
            box.show();
          }
        },
        busy: async (work) => {
          box.busy = true;
          box.enabled = false;
          try {
            return await work();
          } finally {
            box.busy = false;
            box.enabled = true;
          }
        },
      };

      box.prompt = prompt;
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
        const earlier = this.history.map((pattern) => ({ label: escapeIcons(pattern), pattern }));
        const picked = await ui.aside(() => vscode.window.showQuickPick(earlier, { title: "grepls: Earlier Patterns" }));
        if (picked !== undefined) {
          box.value = picked.pattern;
        }
        render();
      });
      box.onDidAccept(async () => {
        const verdict = checkPattern(box.value, flags.regex);
        if (!verdict.ok) {
          box.validationMessage = escapeIcons(verdict.message);
          return;
        }
        let outcome: Outcome;
        try {
          outcome = await accept({ pattern: box.value, ...flags }, ui);
        } catch (error) {
          outcome = errorText(error);
        }
        if (outcome === undefined) {
          box.hide();
        } else if (outcome !== null) {
          // The server's InvalidParams message, shown where the user is typing.
          box.validationMessage = escapeIcons(outcome);
        }
      });
      box.onDidHide(() => {
        if (!aside) {
          preview.dispose();
          box.dispose();
          done();
        }
      });
      box.show();
    });
  }

  private setPattern(): Promise<void> {
    return this.patternBox(
      "Set Search Pattern",
      "Highlight every match in all open documents (Enter to apply, Escape to cancel)",
      (query, ui) =>
        ui.busy(async () => {
          const result = await this.server.setPattern(query);
          const { pattern, ...flags } = query;
          this.state.update(pattern, flags);
          await this.remember(query.pattern);
          // With the workspace scope the scan has just begun: the grepls view and the status bar
          // count the rest as it comes.
          const rest = result.workspace ? "; searching the workspace" : "";
          vscode.window.setStatusBarMessage(
            `grepls: ${escapeIcons(describeQuery(query))}: ${matchCount(result.matches)} in open documents${rest}`,
            4000,
          );
          return undefined;
        }),
    );
  }

  /** The ids a new kept pattern must not take: the search's and the settings' patterns'. */
  private reservedIds(): Set<string> {
    return new Set([SEARCH_ID, ...this.catalog.settingsEntries().map((entry) => entry.id)]);
  }

  private addPattern(): Promise<void> {
    return this.patternBox(
      "Add Pattern",
      "Keep highlighting this pattern, in its own colour, beside the search (Enter, then severity and colour)",
      async (query, ui) => {
        const choices = await ui.aside(() => this.pickChoices(query));
        if (!choices) {
          return null; // back in the box, as it was
        }
        const entry: PatternEntry = {
          ...query,
          id: newPatternId(query.pattern, this.reservedIds()),
          color: choices.color,
        };
        if (choices.severity) {
          entry.severity = choices.severity;
        }
        if (choices.diagnostics === false) {
          entry.diagnostics = false;
        }
        return ui.busy(async () => {
          const matches = choices.where === "settings" ? await this.saveToSettings(entry) : await this.keep(entry);
          await this.remember(query.pattern);
          vscode.window.setStatusBarMessage(
            `grepls: added ${escapeIcons(describeQuery(query))}: ${matchCount(matches)} in open documents`,
            4000,
          );
          return undefined;
        });
      },
    );
  }

  /**
   * Keeps an entry in the workspace state and adds it to the server; the state goes back to what
   * it was if the server refuses. The entry is kept first, so that its first diagnostics are
   * already filtered when it asks for `diagnostics: false`. Returns its number of matches.
   */
  private async keep(entry: PatternEntry): Promise<number> {
    const id = entryId(entry);
    const previous = this.catalog.kept.list().find((e) => e.id === id);
    await this.catalog.kept.put(entry);
    this.refreshCatalog();
    try {
      return (await this.server.addPattern(entry)).matches;
    } catch (error) {
      await (previous ? this.catalog.kept.put(previous) : this.catalog.kept.remove(id));
      this.refreshCatalog();
      throw error;
    }
  }

  /**
   * Appends an entry to the workspace's `grepls.patterns`. The server checks it first (added, then
   * removed again), so a refusal shows in the input box instead of in a notification. A pattern
   * kept in the workspace state under the same id moves to the settings. Without a workspace
   * value yet, the list starts from the user's: a workspace value replaces it.
   */
  private async saveToSettings(entry: PatternEntry): Promise<number> {
    const result = await this.server.addPattern(entry);
    await this.server.removePattern(result.id);
    if (await this.catalog.kept.remove(result.id)) {
      this.refreshCatalog();
    }
    const config = vscode.workspace.getConfiguration("grepls");
    const inspected = config.inspect<unknown[]>("patterns");
    const current = inspected?.workspaceValue ?? inspected?.globalValue ?? [];
    const id = entryId(entry);
    const rest = (Array.isArray(current) ? current : []).filter(
      (e) => !(e && typeof e === "object" && entryId(e as PatternEntry) === id),
    );
    const { id: _same, ...saved } = entry;
    await config.update("patterns", [...rest, id === entry.pattern ? saved : entry], vscode.ConfigurationTarget.Workspace);
    return result.matches;
  }

  /** Add Pattern's steps after the pattern: severity, colour, and where it is kept. */
  private async pickChoices(query: PatternQuery): Promise<PatternChoices | undefined> {
    const totalSteps = vscode.workspace.workspaceFolders?.length ? 4 : 3;
    const title = `grepls: Add Pattern ${describeQuery(query)}`;
    const defaultSeverity = vscode.workspace.getConfiguration("grepls").get<string>("severity");
    type SeverityChoice = { severity?: Severity; diagnostics?: false };
    const severities: Array<Pickable<SeverityChoice>> = [
      { label: "Default", description: `grepls.severity (${defaultSeverity})`, value: {} },
      { label: "Error", value: { severity: "error" } },
      { label: "Warning", value: { severity: "warning" } },
      { label: "Information", value: { severity: "information" } },
      { label: "Hint", value: { severity: "hint" } },
      { label: "Highlight only", description: "painted, not listed in the Problems panel", value: { diagnostics: false } },
    ];
    const severity = await pickOne(severities, { title, placeholder: "Severity of its diagnostics", step: 2, totalSteps });
    if (!severity) {
      return undefined;
    }
    const color = await this.pickColor(title, 3, totalSteps);
    if (!color) {
      return undefined;
    }
    let where: PatternChoices["where"] = "state";
    if (totalSteps === 4) {
      const places: Array<Pickable<PatternChoices["where"]>> = [
        { label: "Keep in this workspace", description: "restored whenever you open it", value: "state" },
        {
          label: "Save to workspace settings",
          description: "grepls.patterns in .vscode/settings.json, for everyone who opens it",
          value: "settings",
        },
      ];
      const place = await pickOne(places, { title, placeholder: "Where to keep it", step: 4, totalSteps });
      if (!place) {
        return undefined;
      }
      where = place;
    }
    return { ...severity, color, where };
  }

  /** The palette colours with a swatch each (the next free one first in focus), or a CSS colour. */
  private async pickColor(title: string, step: number, totalSteps: number): Promise<string | undefined> {
    const free = nextFreeColor(this.catalog.entries());
    const custom = "custom";
    const items: Array<Pickable<string>> = [
      ...PALETTE.map((name) => ({
        label: name[0].toUpperCase() + name.slice(1),
        description: name === free ? "not used by another pattern" : undefined,
        iconPath: new vscode.ThemeIcon("circle-large-filled", new vscode.ThemeColor(`grepls.pattern.${name}.overviewRuler`)),
        value: name as string,
      })),
      { label: "Custom Colour…", description: "a CSS colour such as #e5141466", value: custom },
    ];
    const picked = await pickOne(items, { title, placeholder: "Colour of its highlights", step, totalSteps, active: free });
    if (picked !== custom) {
      return picked;
    }
    return vscode.window.showInputBox({
      title,
      prompt: "A CSS colour: #rgb, #rrggbb, #rrggbbaa, rgb(…), rgba(…), hsl(…)",
      validateInput: (value) => (isCssColor(value) ? undefined : "not a colour grepls understands"),
    });
  }

  /**
   * Remove Pattern: every pattern the server runs, picked by label; and any kept pattern it does
   * not run (refused when re-added after a start), so that it can be forgotten too.
   */
  private async removePattern(): Promise<void> {
    const patterns = await this.server.listPatterns();
    const running = new Set(patterns.map((p) => p.id));
    const notRunning = this.catalog.kept.list().filter((entry) => !running.has(entry.id));
    if (patterns.length === 0 && notRunning.length === 0) {
      void vscode.window.showInformationMessage("grepls: no patterns to remove");
      return;
    }
    const entries = this.catalog.entries();
    const origin = (id: string) =>
      id === SEARCH_ID ? "the search pattern" : entries.find((e) => e.id === id)?.origin === "settings" ? "from settings" : "kept";
    const labels = new Map<string, string>([
      ...patterns.map((p): [string, string] => [p.id, p.id === SEARCH_ID ? this.catalog.label(SEARCH_ID) : patternLabel(p)]),
      ...notRunning.map((e): [string, string] => [e.id, patternLabel({ id: e.id, pattern: e.pattern, regex: e.regex === true })]),
    ]);
    const items: Array<Pickable<string>> = [
      ...patterns.map((p) => ({
        label: escapeIcons(labels.get(p.id) ?? p.id),
        description: `${matchCount(p.matches, p.complete)} · ${origin(p.id)}`,
        detail: p.message === undefined ? undefined : escapeIcons(p.message),
        value: p.id,
      })),
      ...notRunning.map((entry) => ({
        label: escapeIcons(labels.get(entry.id) ?? entry.id),
        description: "kept · not running (the server refused it: see the grepls output)",
        value: entry.id,
      })),
    ];
    const id = await pickOne(items, { title: "grepls: Remove Pattern", placeholder: "The pattern to remove" });
    if (id === undefined) {
      return;
    }
    if (id === SEARCH_ID) {
      await this.clearPattern();
    } else if (origin(id) === "from settings") {
      await this.removeFromSettings(id);
    } else {
      if (running.has(id)) {
        await this.server.removePattern(id);
      }
      await this.catalog.kept.remove(id);
      this.refreshCatalog();
    }
    vscode.window.setStatusBarMessage(`grepls: removed ${escapeIcons(labels.get(id) ?? id)}`, 3000);
  }

  /** Takes an entry out of the settings level that holds it, after asking. */
  private async removeFromSettings(id: string): Promise<void> {
    const config = vscode.workspace.getConfiguration("grepls");
    const inspected = config.inspect<unknown[]>("patterns");
    const levels = [
      { value: inspected?.workspaceValue, target: vscode.ConfigurationTarget.Workspace, name: "workspace" },
      { value: inspected?.globalValue, target: vscode.ConfigurationTarget.Global, name: "user" },
    ];
    // The most specific level with a value is the one in effect.
    const level = levels.find((l) => Array.isArray(l.value));
    if (!level || !Array.isArray(level.value)) {
      return;
    }
    const remove = "Remove";
    const answer = await vscode.window.showWarningMessage(
      `Remove ${this.catalog.label(id)} from grepls.patterns in the ${level.name} settings?`,
      { modal: true },
      remove,
    );
    if (answer !== remove) {
      return;
    }
    const rest = level.value.filter((e) => !(e && typeof e === "object" && entryId(e as PatternEntry) === id));
    await config.update("patterns", rest, level.target);
  }

  /** Pin Search Pattern: the search becomes a kept pattern (next free colour), the search is cleared. */
  private async pinPattern(): Promise<void> {
    const query = this.state.query;
    if (!query) {
      void vscode.window.showInformationMessage("grepls: no search pattern to pin (grepls: Set Search Pattern)");
      return;
    }
    const entry: PatternEntry = {
      ...query,
      id: newPatternId(query.pattern, this.reservedIds()),
      color: nextFreeColor(this.catalog.entries()),
    };
    const matches = await this.keep(entry);
    await this.clearPattern();
    vscode.window.setStatusBarMessage(`grepls: pinned ${escapeIcons(describeQuery(query))} (${matchCount(matches)})`, 4000);
  }

  /** After a change of the kept entries: colours, filter, and VS Code's diagnostics if needed. */
  private refreshCatalog(): void {
    if (this.catalog.refresh()) {
      this.server.showDiagnosticsAgain();
    }
  }

  private async clearPattern(): Promise<void> {
    await this.server.clearPattern();
    this.state.update(null);
  }

  /**
   * Toggles one at a time: each reads the flags the previous one left (a key pressed twice while
   * the server answers the first would otherwise send the same flag twice), refused or not.
   */
  private toggle(flag: PatternFlag): Promise<void> {
    const toggled = this.toggling.then(() => this.toggleNow(flag));
    this.toggling = toggled.catch(() => undefined);
    return toggled;
  }

  private async toggleNow(flag: PatternFlag): Promise<void> {
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

  /**
   * Like Emacs occur: every matching line of the active document, grouped by pattern (in the
   * server's order) under the pattern's label; picking one jumps there.
   */
  private async showMatches(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage("grepls: open a document first");
      return;
    }
    if (this.state.pattern === null && this.catalog.entries().length === 0) {
      void vscode.window.showInformationMessage("grepls: no pattern set (grepls: Set Search Pattern)");
      return;
    }
    if (!isSynced(editor.document.uri)) {
      // A diff's git: side, a notebook cell: not a document the server is sent (as Next Match).
      vscode.window.setStatusBarMessage("grepls: no matches in this document", 3000);
      return;
    }
    const matches = await this.server.listMatches(editor.document.uri);
    const groups = new Map<string, MatchLine[]>();
    for (const id of this.catalog.entries().map((e) => e.id)) {
      groups.set(id, []);
    }
    groups.set(SEARCH_ID, []);
    for (const match of matches) {
      const group = groups.get(match.pattern);
      group ? group.push(match) : groups.set(match.pattern, [match]);
    }
    const shown = [...groups].filter(([, lines]) => lines.length > 0);
    // The list stops at the cap (maxMatchesPerDocument) for a pattern with more: its count says so.
    const capped = new Set(this.catalog.counts(editor.document.uri).filter((c) => !c.complete).map((c) => c.id));
    const complete = shown.every(([id]) => !capped.has(id));
    type Item = vscode.QuickPickItem & { range?: vscode.Range };
    const items: Item[] = [];
    for (const [id, lines] of shown) {
      if (shown.length > 1) {
        items.push({
          label: `${this.catalog.label(id)}: ${matchCount(lines.length, !capped.has(id))}`,
          kind: vscode.QuickPickItemKind.Separator,
        });
      }
      items.push(...lines.map((m) => ({ label: escapeIcons(`${m.range.start.line + 1}: ${m.text.trim()}`), range: m.range })));
    }
    const pick = vscode.window.createQuickPick<Item>();
    // Of the patterns with matches here; none: of the patterns in force.
    const named = shown.length > 0 ? shown.map(([id]) => id) : [...this.catalog.entries().map((e) => e.id), ...(this.state.query ? [SEARCH_ID] : [])];
    const of =
      named.length === 1 && named[0] === SEARCH_ID && this.state.query
        ? describeQuery(this.state.query)
        : named.length === 1
          ? this.catalog.label(named[0])
          : `${named.length} patterns`;
    pick.title = `grepls: ${matchCount(matches.length, complete)} of ${of}`;
    pick.placeholder = matches.length ? "Type to filter; Enter jumps to the match" : "No matches in this document";
    pick.items = items;
    const cursor = editor.selection.active;
    const lines = items.filter((i): i is Item & { range: vscode.Range } => i.range !== undefined);
    const first = lines.find((i) => i.range.start.isAfterOrEqual(cursor.with(undefined, 0))) ?? lines[0];
    if (first) {
      pick.activeItems = [first];
    }
    const original = editor.selection;
    let accepted = false;
    const show = (item: Item | undefined, preview: boolean) => {
      if (!item?.range) {
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
    const cursor = jumpOrigin(editor.selection);
    // The server finds the nearest match anywhere in the document, past the cap too; the matches
    // held here (every pattern's reported ones, the capped list) answer when it cannot, or when
    // its answer is for another version of the text.
    const found = await this.serverNeighbour(direction, editor.document, cursor);
    let target = found === undefined ? undefined : found && found.range;
    if (target === undefined) {
      const ranges = this.matches.all(editor.document.uri.toString()).map((d) => d.range);
      target = (direction === "next" ? nextMatch : previousMatch)(ranges, cursor) ?? null;
    }
    if (!target) {
      vscode.window.setStatusBarMessage("grepls: no matches in this document", 3000);
      return;
    }
    editor.selection = new vscode.Selection(target.start, target.end);
    editor.revealRange(target, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    if (found?.place) {
      this.placeMessage?.dispose();
      this.placeMessage = vscode.window.setStatusBarMessage(placeText(found.place, direction), 5000);
    }
  }

  /** The server's nearest match (grepls.nextMatch / previousMatch): its range and where it stands,
   * null for none, or undefined when the server has no answer to give for this text. */
  private async serverNeighbour(
    direction: "next" | "previous",
    document: vscode.TextDocument,
    cursor: vscode.Position,
  ): Promise<{ range: vscode.Range; place?: Place } | null | undefined> {
    const command = direction === "next" ? "grepls.nextMatch" : "grepls.previousMatch";
    let found: unknown;
    try {
      found = await vscode.commands.executeCommand(command, document.uri.toString(), cursor.line, cursor.character);
    } catch {
      return undefined; // not running, or a server without the command
    }
    if (found === null) {
      return null;
    }
    const neighbour = asNeighbour(found);
    if (!neighbour || neighbour.version !== document.version) {
      return undefined;
    }
    const { start, end } = neighbour.range;
    return {
      range: new vscode.Range(start.line, start.character, end.line, end.character),
      place: asPlace(found),
    };
  }

  private async restart(): Promise<void> {
    await this.server.restart();
  }
}

interface Neighbour {
  version: number;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
}

function isPoint(value: unknown): value is { line: number; character: number } {
  const point = value as { line?: unknown; character?: unknown } | null;
  return typeof point?.line === "number" && typeof point?.character === "number";
}

/** Where grepls.nextMatch's match stands, when the answer says it. */
function asPlace(value: unknown): Place | undefined {
  const answer = value as { index?: unknown; matches?: unknown; complete?: unknown; wrapped?: unknown };
  const index = answer.index;
  if (
    (index === null || typeof index === "number") &&
    typeof answer.matches === "number" &&
    typeof answer.complete === "boolean"
  ) {
    return { index, matches: answer.matches, complete: answer.complete, wrapped: answer.wrapped === true };
  }
  return undefined;
}

/** grepls.nextMatch's answer, checked (undefined when it is not one). */
function asNeighbour(value: unknown): Neighbour | undefined {
  const answer = value as { version?: unknown; range?: { start?: unknown; end?: unknown } } | null;
  if (typeof answer?.version === "number" && isPoint(answer.range?.start) && isPoint(answer.range?.end)) {
    return answer as Neighbour;
  }
  return undefined;
}

/** One pick from a list; resolves with the picked item's value, or undefined on Escape. */
function pickOne<T>(
  items: Array<Pickable<T>>,
  options: { title: string; placeholder: string; step?: number; totalSteps?: number; active?: T },
): Promise<T | undefined> {
  return new Promise((done) => {
    const pick = vscode.window.createQuickPick<Pickable<T>>();
    pick.title = options.title;
    pick.placeholder = options.placeholder;
    pick.step = options.step;
    pick.totalSteps = options.totalSteps;
    pick.items = items;
    const active = items.find((item) => item.value === options.active);
    if (active) {
      pick.activeItems = [active];
    }
    let value: T | undefined;
    pick.onDidAccept(() => {
      value = pick.selectedItems[0]?.value ?? pick.activeItems[0]?.value;
      pick.hide();
    });
    pick.onDidHide(() => {
      pick.dispose();
      done(value);
    });
    pick.show();
  });
}
