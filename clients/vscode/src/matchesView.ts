/**
 * The grepls view in the Explorer: every match in scope — patterns, then files, then matching
 * lines, each with its count — the way Todo Tree lists a project's TODOs, but from the server, in
 * the one dialect every editor gets, and for files that are not open too (workspace scope).
 *
 * The data is the server's `grepls.listMatches` with no argument (workspaceMatches.ts), never
 * VS Code's diagnostics: with pull diagnostics, a closed file's report may not be there. It is
 * fetched again, debounced, when the server's results may have changed — VS Code's diagnostics
 * changed (a pulled workspace report after a file changed on disk), a scan ended, the patterns or
 * settings changed, the server restarted — and only while someone looks: the view is visible, or
 * the scope is the workspace (the status bar counts the workspace then). When only open
 * documents' diagnostics changed (a keystroke), only those documents are asked for
 * (`grepls.listMatches` with their URI): the whole list costs the server a read of every closed
 * file's matching lines, which would hold up the next keystrokes.
 *
 * A click on a line opens its file with the match selected. The title bar has Filter… (an input
 * box: TreeView has no filter field of its own; the filter shows in the view's description), Clear
 * Filter, Refresh, Collapse All, and the scope toggle.
 */
import * as vscode from "vscode";
import { PatternCatalog } from "./catalog";
import { GreplsServer } from "./server";
import { matchCount } from "./settings";
import { PatternState } from "./state";
import {
  countsLabel,
  Debounced,
  filterText,
  FileMatches,
  lineLabel,
  ListedMatch,
  MatchTree,
  nameAndFolder,
  patched,
  PatternMatchGroup,
  SEARCH_PATTERN,
  WorkspaceSummary,
  scanWasCut,
  scopeTarget,
  withPatternIds,
} from "./workspaceMatches";

export const VIEW_ID = "grepls.matches";
const FILTERED_CONTEXT = "grepls.matchesFiltered";
const REFRESH_DELAY_MS = 300;
/** While changes keep coming (a scan), the view is still brought up to date this often. */
const REFRESH_MAX_WAIT_MS = 2000;

type Node =
  | { kind: "pattern"; group: PatternMatchGroup }
  | { kind: "file"; file: FileMatches }
  | { kind: "line"; match: ListedMatch };

export function currentScope(): "open" | "workspace" {
  return vscode.workspace.getConfiguration("grepls").get<string>("scope") === "workspace" ? "workspace" : "open";
}

function workspaceFolderPaths(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).map((folder) => folder.uri.fsPath);
}

export class MatchesView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private tree = new MatchTree([], Number.POSITIVE_INFINITY);
  private listed: readonly ListedMatch[] = [];
  private fetched = false;
  private failure: string | undefined;
  private filter = "";
  private scanning = false;
  private lastScan: string | undefined;
  /** The last scan stopped at `maxWorkspaceMatches` (its progress said so). */
  private scanCut = false;
  /** Something changed while nobody looked: fetch when the view shows again. */
  private stale = true;

  private readonly treeChanged = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.treeChanged.event;
  private readonly summaryChanged = new vscode.EventEmitter<void>();
  /** Fires when `summary()` may say something else. */
  readonly onDidChangeSummary = this.summaryChanged.event;

  private readonly view: vscode.TreeView<Node>;
  private readonly fetcher = new Debounced(() => this.fetch(), REFRESH_DELAY_MS, REFRESH_MAX_WAIT_MS);
  /** The next fetch asks for the whole list (else only for `changedOpen`). */
  private wholeList = true;
  /** Open documents whose diagnostics changed since the last fetch. */
  private readonly changedOpen = new Set<string>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly server: GreplsServer,
    private readonly catalog: PatternCatalog,
    private readonly state: PatternState,
  ) {
    this.view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: this, showCollapseAll: true });
    this.subscriptions.push(
      this.view,
      this.view.onDidChangeVisibility((event) => {
        if (event.visible && this.stale) {
          this.fetcher.schedule(0);
        }
      }),
      vscode.languages.onDidChangeDiagnostics((event) => this.diagnosticsChanged(event.uris)),
      server.onDidScan((scan) => {
        const scanning = scan.state === "running";
        if (scan.state === "ended") {
          this.lastScan = scan.message;
        }
        this.scanCut = scan.state === "ended" && scanWasCut(scan.message);
        if (scanning !== this.scanning || !scanning) {
          this.scanning = scanning;
          this.schedule();
          this.render();
        }
      }),
      server.onDidStart(() => this.schedule()),
      state.onDidChange(() => this.schedule()),
      catalog.onDidChange(() => this.schedule()),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration("grepls")) {
          if (event.affectsConfiguration("grepls.scope")) {
            // The list is of the other scope: no totals until the next one. The status bar hears
            // it now, not at that fetch (none comes while the view is hidden and the scope is the
            // open files).
            this.fetched = false;
            this.summaryChanged.fire();
          }
          this.schedule();
          this.render();
        }
      }),
    );
    this.render();
    this.schedule();
  }

  /** Open documents: ask for them alone; any other file: the whole list. */
  private diagnosticsChanged(uris: readonly vscode.Uri[]): void {
    const open = new Set(vscode.workspace.textDocuments.map((document) => document.uri.toString()));
    for (const uri of uris) {
      const key = uri.toString();
      if (open.has(key) && this.fetched) {
        this.changedOpen.add(key);
      } else {
        this.wholeList = true;
      }
    }
    this.schedule(undefined, false);
  }

  /** Fetch again soon (debounced), if anyone looks; else when the view is shown. */
  schedule(delayMs?: number, whole = true): void {
    if (whole) {
      this.wholeList = true;
    }
    if (this.view.visible || currentScope() === "workspace") {
      this.fetcher.schedule(delayMs);
    } else {
      this.stale = true;
    }
  }

  /** The workspace totals, with the scope "workspace" and once the server has answered. */
  summary(): WorkspaceSummary | undefined {
    if (currentScope() !== "workspace" || !this.fetched) {
      return undefined;
    }
    const totals = this.tree.totals;
    return {
      matches: totals.matches,
      files: totals.files,
      perPattern: totals.perPattern,
      scanning: this.scanning,
      capped: totals.capped,
      lastScan: this.lastScan,
    };
  }

  private async fetch(): Promise<void> {
    this.stale = false;
    if (!this.server.running) {
      return; // onDidStart brings it back
    }
    const whole = this.wholeList || !this.fetched;
    const changed = [...this.changedOpen];
    this.wholeList = false;
    this.changedOpen.clear();
    try {
      if (whole) {
        const listed = await this.server.listAllMatches();
        // One pattern in force: the server names it nowhere, and it need not be the search.
        const unnamed = listed.some((match) => match.pattern === undefined);
        this.listed = unnamed ? withPatternIds(listed, (await this.server.listPatterns()).map((p) => p.id)) : listed;
      } else {
        const fresh = new Map<string, ListedMatch[]>();
        for (const uri of changed) {
          // A document closed meanwhile is no longer the server's to list by URI: ask for all.
          const matches = await this.server.listDocumentMatches(uri).catch(() => undefined);
          if (matches === undefined) {
            this.wholeList = true;
            this.fetcher.schedule(0);
            return;
          }
          fresh.set(uri, matches);
        }
        this.listed = patched(this.listed, fresh);
      }
      this.failure = undefined;
      this.fetched = true;
    } catch (error) {
      this.failure = error instanceof Error ? error.message : String(error);
    }
    this.rebuild();
  }

  private rebuild(): void {
    const limit = vscode.workspace.getConfiguration("grepls").get<number>("maxWorkspaceMatches", 20000);
    const order = [...this.catalog.entries().map((entry) => entry.id), SEARCH_PATTERN];
    this.tree = new MatchTree(this.listed, limit, order, this.filter, this.scanCut, workspaceFolderPaths());
    this.render();
    this.treeChanged.fire(undefined);
    this.summaryChanged.fire();
  }

  /** The view's description, message and badge. */
  private render(): void {
    const scope = currentScope();
    const totals = this.tree.totals;
    const filtered = this.filter ? ` · filter "${this.filter}"` : "";
    this.view.description = (scope === "workspace" ? "workspace" : "open files") + filtered;
    const lines: string[] = [];
    if (this.failure) {
      lines.push(`The server did not answer: ${this.failure}`);
    } else if (this.state.pattern === null && this.catalog.entries().length === 0) {
      lines.push("No pattern: run grepls: Set Search Pattern.");
    } else {
      if (this.scanning) {
        lines.push("Searching the workspace…");
      }
      if (totals.capped) {
        lines.push(`The first ${matchCount(totals.matches)} only (grepls.maxWorkspaceMatches).`);
      }
      if (this.filter) {
        lines.push(filterText(this.tree.shown, totals.matches, this.filter));
      } else if (this.fetched && totals.matches === 0 && !this.scanning) {
        lines.push(scope === "workspace" ? "No matches in the workspace." : "No matches in the open files.");
      }
      if (scope === "open") {
        lines.push("Open files only: grepls: Search Whole Workspace lists every file's matches.");
      }
    }
    this.view.message = lines.join(" ") || undefined;
    this.view.badge = totals.matches
      ? { value: totals.matches, tooltip: `${countsLabel(totals.matches, totals.files)}${totals.capped ? " (cut)" : ""}` }
      : undefined;
  }

  getChildren(node?: Node): Node[] {
    if (!node) {
      return this.tree.groups.map((group) => ({ kind: "pattern", group }));
    }
    if (node.kind === "pattern") {
      return node.group.files.map((file) => ({ kind: "file", file }));
    }
    if (node.kind === "file") {
      return node.file.matches.map((match) => ({ kind: "line", match }));
    }
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === "pattern") {
      const { group } = node;
      const item = new vscode.TreeItem(this.catalog.label(group.pattern), vscode.TreeItemCollapsibleState.Expanded);
      item.id = `pattern\0${group.pattern}`;
      item.description = countsLabel(group.count, group.files.length);
      item.iconPath = new vscode.ThemeIcon("search");
      item.contextValue = "pattern";
      return item;
    }
    if (node.kind === "file") {
      const { file } = node;
      const [name, folder] = nameAndFolder(file.uri, workspaceFolderPaths());
      const item = new vscode.TreeItem(name, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `file\0${file.pattern}\0${file.uri}`;
      item.resourceUri = vscode.Uri.parse(file.uri);
      const count = `${file.matches.length}`;
      item.description = folder ? `${folder} · ${count}` : count;
      item.tooltip = `${item.resourceUri.fsPath}: ${file.matches.length} match${file.matches.length === 1 ? "" : "es"}`;
      item.contextValue = "file";
      return item;
    }
    const { match } = node;
    const { label, highlight } = lineLabel(match);
    const item = new vscode.TreeItem({ label, highlights: highlight ? [highlight] : undefined });
    const { start, end } = match.range;
    item.id = `line\0${match.pattern ?? SEARCH_PATTERN}\0${match.uri}\0${start.line}:${start.character}`;
    item.tooltip = match.text;
    item.contextValue = "line";
    const selection = new vscode.Range(start.line, start.character, end.line, end.character);
    item.command = {
      title: "Open the match",
      command: "vscode.open",
      arguments: [vscode.Uri.parse(match.uri), { selection } satisfies vscode.TextDocumentShowOptions],
    };
    return item;
  }

  /** The title bar's commands. */
  register(): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand("grepls.ui.refreshMatches", () => this.fetcher.schedule(0)),
      vscode.commands.registerCommand("grepls.ui.filterMatches", () => this.askFilter()),
      vscode.commands.registerCommand("grepls.ui.clearMatchesFilter", () => this.setFilter("")),
      vscode.commands.registerCommand("grepls.ui.showWorkspaceMatches", () =>
        vscode.commands.executeCommand(`${VIEW_ID}.focus`),
      ),
    ];
  }

  private async askFilter(): Promise<void> {
    const filter = await vscode.window.showInputBox({
      title: "grepls: Filter Matches",
      prompt: "Show the matching lines (or files) whose text holds this, ignoring case; empty shows all",
      value: this.filter,
    });
    if (filter !== undefined) {
      this.setFilter(filter.trim());
    }
  }

  private setFilter(filter: string): void {
    this.filter = filter;
    void vscode.commands.executeCommand("setContext", FILTERED_CONTEXT, filter !== "");
    this.rebuild();
  }

  dispose(): void {
    this.fetcher.dispose();
    this.subscriptions.forEach((s) => s.dispose());
    this.treeChanged.dispose();
    this.summaryChanged.dispose();
  }
}

/**
 * Search Whole Workspace / Search Open Files: writes `grepls.scope` where `scopeTarget` says (the
 * workspace settings), which the server reads and rescans for. With no folder open there is no
 * workspace to search: the user is told so, and nothing changes.
 */
export async function setScope(scope: "open" | "workspace"): Promise<void> {
  const target = scopeTarget(scope, vscode.workspace.workspaceFolders?.length ?? 0);
  if (target === undefined) {
    const open = "Open Folder…";
    const answer = await vscode.window.showInformationMessage(
      "grepls: no folder is open, so there is no workspace to search; open a folder to search the whole workspace",
      open,
    );
    if (answer === open) {
      await vscode.commands.executeCommand("workbench.action.files.openFolder");
    }
    return;
  }
  await vscode.workspace
    .getConfiguration("grepls")
    .update("scope", scope, target === "workspace" ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global);
  vscode.window.setStatusBarMessage(
    scope === "workspace" ? "grepls: searching the whole workspace" : "grepls: searching the open files only",
    4000,
  );
}
