/**
 * Which Python runs the server: the `grepls.interpreter` setting (machine scope, so a workspace
 * cannot point it at a program of its choosing), else the Python extension's active interpreter
 * when that extension is installed and the workspace is trusted, else python3 on PATH. The
 * decision logic lives in interpreter.ts; this module only gathers the inputs from VS Code, and
 * hands out the Python extension's event for a change of its interpreter (interpreterChange.ts).
 */
import * as vscode from "vscode";
import { candidates, discover, Discovery, interpreterFromSetting, probeByRunning } from "./interpreter";
import { EnvironmentPathChange, Event } from "./interpreterChange";

/** The slice of the ms-python.python API we use; both the current and the older shapes. */
interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } | undefined;
    resolveEnvironment(env: { path: string }): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
    onDidChangeActiveEnvironmentPath?: Event<EnvironmentPathChange>;
  };
  settings?: {
    getExecutionDetails(resource?: vscode.Uri): { execCommand: string[] | undefined };
  };
}

/** The Python extension's API, activating it if need be; undefined when it is not installed. */
async function pythonExtensionApi(): Promise<PythonExtensionApi | undefined> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>("ms-python.python");
  if (!extension) {
    return undefined;
  }
  return extension.isActive ? extension.exports : await extension.activate();
}

async function pythonExtensionCommand(log: vscode.LogOutputChannel): Promise<string[] | undefined> {
  try {
    const api = await pythonExtensionApi();
    if (!api) {
      return undefined;
    }
    const resource = vscode.workspace.workspaceFolders?.[0]?.uri;
    if (api.environments) {
      const active = api.environments.getActiveEnvironmentPath(resource);
      const resolved = active ? await api.environments.resolveEnvironment(active) : undefined;
      const executable = resolved?.executable.uri?.fsPath;
      if (executable) {
        return [executable];
      }
    }
    return api.settings?.getExecutionDetails(resource).execCommand;
  } catch (error) {
    log.warn(`could not ask the Python extension for its interpreter: ${String(error)}`);
    return undefined;
  }
}

export async function findPython(log: vscode.LogOutputChannel): Promise<Discovery> {
  const setting = vscode.workspace.getConfiguration("grepls").get<unknown>("interpreter");
  // The Python extension may pick a workspace's own .venv; in an untrusted workspace that would
  // run a program the workspace supplied, so only the user's setting and PATH are considered.
  let fromExtension: string[] | undefined;
  if (vscode.workspace.isTrusted) {
    fromExtension = await pythonExtensionCommand(log);
  } else {
    log.info("workspace not trusted: not asking the Python extension for its interpreter");
  }
  const list = candidates(setting, fromExtension);
  log.info(`looking for Python among: ${list.map((c) => `${c.command.join(" ")} (${c.origin})`).join(", ")}`);
  return discover(list, probeByRunning());
}

/**
 * Whether the server runs on the Python extension's interpreter: no `grepls.interpreter` set,
 * and a trusted workspace (see findPython).
 */
export function followsPythonExtension(): boolean {
  const setting = vscode.workspace.getConfiguration("grepls").get<unknown>("interpreter");
  return interpreterFromSetting(setting) === undefined && vscode.workspace.isTrusted;
}

/** The Python extension's "active interpreter changed" event, if it is installed and has one. */
export async function pythonInterpreterChanges(log: vscode.LogOutputChannel): Promise<Event<EnvironmentPathChange> | undefined> {
  try {
    return (await pythonExtensionApi())?.environments?.onDidChangeActiveEnvironmentPath;
  } catch (error) {
    log.warn(`could not follow the Python extension's interpreter: ${String(error)}`);
    return undefined;
  }
}
