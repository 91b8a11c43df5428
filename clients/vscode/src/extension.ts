/**
 * Entry point: wires the output channel, the server, the pattern state, the commands and the
 * status bar together. Everything with behaviour lives in the modules it imports.
 */
import * as vscode from "vscode";
import { Commands } from "./commands";
import { restartOnInterpreterChange } from "./interpreterChange";
import { followsPythonExtension, pythonInterpreterChanges } from "./python";
import { GreplsServer } from "./server";
import { patternSettings } from "./settings";
import { PatternState } from "./state";
import { MatchCounts } from "./matchCounts";
import { StatusBar } from "./statusBar";
import { TraceChannel } from "./trace";

let server: GreplsServer | undefined;

/** The pattern settings as VS Code holds them now. */
function readPatternSettings() {
  return patternSettings(vscode.workspace.getConfiguration("grepls"));
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel("grepls", { log: true });
  const trace = new TraceChannel(log);
  const state = new PatternState(readPatternSettings());
  const counts = new MatchCounts();
  server = new GreplsServer(context.extensionPath, log, trace, counts);
  const commands = new Commands(context, server, state);
  const statusBar = new StatusBar(state, counts);
  context.subscriptions.push(log, trace, state, server, statusBar, ...commands.register());
  context.subscriptions.push(server.onDidFail((reason) => statusBar.setServerProblem(reason)));

  // After a restart the new server knows only the settings: send it the search the user had.
  context.subscriptions.push(
    server.onDidStart(async () => {
      statusBar.setServerProblem(undefined);
      const query = state.query;
      if (query && server) {
        try {
          await server.setPattern(query);
        } catch (error) {
          log.warn(`re-sending the pattern after a start: ${String(error)}`);
        }
      }
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("grepls.interpreter")) {
        await server?.restart();
        return;
      }
      // The server re-reads its settings itself (didChangeConfiguration); the UI follows a change
      // of the pattern settings so the status bar and toggles say what the server now does.
      const keys = ["pattern", "regex", "caseSensitive", "wholeWord"];
      if (keys.some((key) => event.affectsConfiguration(`grepls.${key}`))) {
        // No pattern in the settings (null) keeps the one the user set through the UI.
        const settings = readPatternSettings();
        state.update(settings.pattern ?? state.pattern, settings.flags);
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
  await server?.stop();
  server = undefined;
}
