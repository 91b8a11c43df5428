// A small stand-in for the `vscode` module, so that node --test can load the modules that import
// it (commands, preview, the grepls view, the status bar) and drive them as VS Code would. It holds
// only what those modules touch; a test sets the state it needs (`standIn.window.activeTextEditor`,
// `standIn.settings`) and reads what the extension did (`statusMessages`, `errors`, ...).
// Import it before the module under test: `import { standIn } from "./vscodeStandIn";`.
import Module = require("node:module");

type Listener<T> = (value: T) => unknown;

export class EventEmitter<T> {
  private readonly listeners = new Set<Listener<T>>();
  readonly event = (listener: Listener<T>) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };
  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      listener(value);
    }
  }
  dispose(): void {
    this.listeners.clear();
  }
}

export class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
  isAfterOrEqual(other: Position): boolean {
    return this.line > other.line || (this.line === other.line && this.character >= other.character);
  }
  with(line?: number, character?: number): Position {
    return new Position(line ?? this.line, character ?? this.character);
  }
}

export class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(a: number | Position, b: number | Position, c?: number, d?: number) {
    [this.start, this.end] =
      typeof a === "number" ? [new Position(a, b as number), new Position(c as number, d as number)] : [a, b as Position];
  }
}

export class Selection extends Range {
  get active(): Position {
    return this.end;
  }
}

export interface FakeUri {
  scheme: string;
  fsPath: string;
  toString(): string;
}

export function uri(text: string): FakeUri {
  return { scheme: text.slice(0, text.indexOf(":")), fsPath: text.replace(/^file:\/\//, ""), toString: () => text };
}

/** A visible editor on `text` (a URI), showing lines 0-9 of a 10-line document. */
export function editor(text: string) {
  return {
    document: { uri: uri(text), lineCount: 10, isClosed: false, version: 1 },
    visibleRanges: [new Range(0, 0, 9, 0)],
    selection: new Selection(0, 0, 0, 0),
    decorations: [] as unknown[],
    setDecorations(_type: unknown, ranges: unknown[]) {
      this.decorations = ranges;
    },
    revealRange() {},
  };
}

/** A quick pick that records what it was given and is closed by the test (`hide`). */
function quickPick() {
  const hidden = new EventEmitter<void>();
  const pick = {
    title: "",
    placeholder: "",
    items: [] as unknown[],
    activeItems: [] as unknown[],
    selectedItems: [] as unknown[],
    onDidChangeActive: new EventEmitter<unknown[]>().event,
    onDidAccept: new EventEmitter<void>().event,
    onDidHide: hidden.event,
    show() {
      standIn.window.picks.push(pick);
    },
    hide: () => hidden.fire(),
    dispose() {},
  };
  return pick;
}

export const standIn = {
  /** The `grepls` settings (unset keys answer the caller's default). */
  settings: {} as Record<string, unknown>,
  events: {
    configuration: new EventEmitter<{ affectsConfiguration(section: string): boolean }>(),
    visibleRanges: new EventEmitter<unknown>(),
    treeVisibility: new EventEmitter<{ visible: boolean }>(),
  },
  window: {
    visibleTextEditors: [] as unknown[],
    activeTextEditor: undefined as unknown,
    statusMessages: [] as string[],
    errors: [] as string[],
    information: [] as string[],
    picks: [] as Array<ReturnType<typeof quickPick>>,
    statusItem: undefined as undefined | { text: string; tooltip: string },
  },
  commands: new Map<string, (...args: unknown[]) => unknown>(),
};

const disposable = { dispose() {} };

const vscode = {
  EventEmitter,
  Position,
  Range,
  Selection,
  Uri: { parse: uri },
  ThemeColor: class {
    constructor(readonly id: string) {}
  },
  ThemeIcon: class {
    constructor(readonly id: string) {}
  },
  TreeItem: class {
    constructor(readonly label: unknown) {}
  },
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  OverviewRulerLane: { Center: 2 },
  DecorationRangeBehavior: { ClosedClosed: 1 },
  StatusBarAlignment: { Left: 1, Right: 2 },
  ConfigurationTarget: { Global: 1, Workspace: 2 },
  QuickPickItemKind: { Separator: -1 },
  TextEditorRevealType: { InCenter: 2, InCenterIfOutsideViewport: 3 },
  window: {
    get visibleTextEditors() {
      return standIn.window.visibleTextEditors;
    },
    get activeTextEditor() {
      return standIn.window.activeTextEditor;
    },
    createTextEditorDecorationType: () => ({ dispose() {} }),
    createStatusBarItem: () => {
      const item = { text: "", tooltip: "", show() {}, dispose() {} };
      standIn.window.statusItem = item;
      return item;
    },
    createTreeView: () => ({ visible: false, onDidChangeVisibility: standIn.events.treeVisibility.event, dispose() {} }),
    createQuickPick: quickPick,
    setStatusBarMessage: (text: string) => {
      standIn.window.statusMessages.push(text);
      return disposable;
    },
    showErrorMessage: async (message: string) => void standIn.window.errors.push(message),
    showInformationMessage: async (message: string) => void standIn.window.information.push(message),
    showWarningMessage: async () => undefined,
    onDidChangeTextEditorVisibleRanges: standIn.events.visibleRanges.event,
    onDidChangeActiveTextEditor: () => disposable,
  },
  workspace: {
    workspaceFolders: undefined,
    textDocuments: [],
    getConfiguration: () => ({
      get: (key: string, fallback?: unknown) => (key in standIn.settings ? standIn.settings[key] : fallback),
      inspect: () => undefined,
      update: async (key: string, value: unknown) => void (standIn.settings[key] = value),
    }),
    onDidChangeConfiguration: standIn.events.configuration.event,
  },
  languages: {
    onDidChangeDiagnostics: () => disposable,
    getDiagnostics: () => [],
  },
  commands: {
    registerCommand: (id: string, run: (...args: unknown[]) => unknown) => {
      standIn.commands.set(id, run);
      return disposable;
    },
    executeCommand: async () => undefined,
  },
};

// Every `require("vscode")` from here on gets the stand-in.
const moduleWithLoad = Module as unknown as { _load(request: string, ...rest: unknown[]): unknown };
const load = moduleWithLoad._load;
moduleWithLoad._load = function (request: string, ...rest: unknown[]) {
  return request === "vscode" ? vscode : load.call(this, request, ...rest);
};
