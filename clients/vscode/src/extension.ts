/**
 * Entry point: wires the output channel, the server, the pattern state, the kept patterns, the
 * decorations, the commands and the status bar together. Everything with behaviour lives in the
 * modules it imports.
 */
import * as vscode from "vscode";
import { PatternCatalog } from "./catalog";
import { quietWhenClosed } from "./closingLog";
import { Commands } from "./commands";
import { PatternDecorations } from "./decorations";
import { restartOnInterpreterChange } from "./interpreterChange";
import { KeptPatterns, keptPatternsFile, restoreKept, SharedFile } from "./keptPatterns";
import { PatternMatches } from "./matches";
import { MatchesView, setScope } from "./matchesView";
import { entryId } from "./patterns";
import { followsPythonExtension, pythonInterpreterChanges } from "./python";
import { GreplsServer } from "./server";
import { describeQuery, patternSettings, searchAfterChange } from "./settings";
import { PatternState } from "./state";
import { StatusBar } from "./statusBar";
import { TraceChannel } from "./trace";

let server: GreplsServer | undefined;
/**
 * The grepls output channel. Not among the extension's subscriptions: VS Code disposes those
 * without waiting for `deactivate`, so the channel would close while the client is still stopping
 * and writing to it. It is closed once the server has stopped.
 */
let channel: vscode.LogOutputChannel | undefined;

/** The pattern settings as VS Code holds them now. */
function readPatternSettings() {
  return patternSettings(vscode.workspace.getConfiguration("grepls"));
}

/**
 * Where this workspace's kept patterns are shared with grepls's other clients: under its first
 * folder, on this machine's disk. Without a folder on disk they stay in the workspace state only.
 */
function sharedFile(log: vscode.LogOutputChannel): SharedFile | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder || folder.uri.scheme !== "file") {
    return undefined;
  }
  return { file: keptPatternsFile(), folder: folder.uri.fsPath, warn: (message) => log.warn(message) };
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  channel = vscode.window.createOutputChannel("grepls", { log: true });
  // Should VS Code close the channel first all the same, the client's last writes are dropped.
  const log = quietWhenClosed(channel);
  const trace = new TraceChannel(log);
  let patternSettingsBefore = readPatternSettings();
  const state = new PatternState(patternSettingsBefore);
  const matches = new PatternMatches<vscode.Diagnostic>();
  const catalog = new PatternCatalog(new KeptPatterns(context.workspaceState, sharedFile(log)), matches, () =>
    state.query ? describeQuery(state.query) : undefined,
  );
  catalog.refresh(); // the diagnostics filter is in place before the first diagnostic arrives
  server = new GreplsServer(context.extensionPath, log, trace, matches);
  const greplsServer = server;
  const decorations = new PatternDecorations(matches, catalog, (uri, first, last) =>
    greplsServer.matchesInLines(uri, first, last),
  );
  const commands = new Commands(context, server, state, catalog, matches);
  const matchesView = new MatchesView(server, catalog, state);
  const statusBar = new StatusBar(
    state,
    { counts: (uri) => catalog.counts(uri), onDidChange: catalog.onDidChangeCounts },
    matchesView,
  );
  context.subscriptions.push(trace, state, catalog, server, decorations, matchesView, statusBar);
  context.subscriptions.push(...commands.register(), ...matchesView.register());
  context.subscriptions.push(
    vscode.commands.registerCommand("grepls.ui.searchWorkspace", () => setScope("workspace")),
    vscode.commands.registerCommand("grepls.ui.searchOpenFiles", () => setScope("open")),
  );
  context.subscriptions.push(server.onDidFail((reason) => statusBar.setServerProblem(reason)));

  // After a start the server knows only the settings: send it the patterns kept in this
  // workspace (read again: another editor may have kept one meanwhile), in the order they were
  // added, then the search the user had.
  context.subscriptions.push(
    server.onDidStart(async () => {
      statusBar.setServerProblem(undefined);
      catalog.kept.load();
      if (catalog.refresh()) {
        server?.showDiagnosticsAgain();
      }
      if (server) {
        await restoreKept(catalog.kept.list(), server, (entry, error) => {
          const message = `the kept pattern ${JSON.stringify(entryId(entry))} was refused: ${String(error)}`;
          log.warn(message);
          void vscode.window.showWarningMessage(`grepls: ${message}. grepls: Remove Pattern… forgets it.`);
        });
      }
      const query = state.query;
      if (query && server) {
        try {
          await server.setPattern(query);
        } catch (error) {
          log.warn(`re-sending the pattern after a start: ${String(error)}`);
        }
      }
    }),
    vscode.workspace.onDidCloseTextDocument((document) => matches.forget(document.uri.toString())),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("grepls.interpreter")) {
        await server?.restart();
        return;
      }
      // The server reads `grepls.patterns` itself; colours and the diagnostics filter are ours.
      if (event.affectsConfiguration("grepls.patterns") && catalog.refresh()) {
        server?.showDiagnosticsAgain();
      }
      // The server re-reads its settings itself (didChangeConfiguration); the UI follows a change
      // of the pattern settings so the status bar and toggles say what the server now does.
      const keys = ["pattern", "regex", "caseSensitive", "wholeWord"];
      if (keys.some((key) => event.affectsConfiguration(`grepls.${key}`))) {
        // The server's rule: only a new grepls.pattern (or its flags) replaces the search; without
        // one the flags are ignored and the search the user set through the UI stays as it is.
        const settings = readPatternSettings();
        const search = searchAfterChange(patternSettingsBefore, settings);
        patternSettingsBefore = settings;
        if (search) {
          const { pattern, ...flags } = search;
          state.update(pattern, flags);
        }
      }
    }),
  );

  // A server on the Python extension's interpreter follows that interpreter when the user picks
  // another one. (In an untrusted workspace that interpreter is not used, so not followed.)
  const changes = vscode.workspace.isTrusted ? await pythonInterpreterChanges(log) : undefined;
  if (changes) {
    context.subscriptions.push(
      restartOnInterpreterChange(changes, {
        followsPythonExtension,
        restart: (change) => {
          log.info(`the Python extension's interpreter is now ${change.path ?? "(unknown)"}`);
          return server?.restart();
        },
      }),
    );
  }
  await server.start();
}

export async function deactivate(): Promise<void> {
  try {
    await server?.stop();
  } finally {
    server = undefined;
    channel?.dispose();
    channel = undefined;
  }
}
