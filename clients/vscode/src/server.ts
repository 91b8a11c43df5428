/**
 * The language client around the bundled grepls server: start, stop, restart, and the three
 * server commands the UI calls.
 *
 * Start, stop and restart go through one queue (lifecycle.ts), so two quick restarts never run
 * side by side and leave a second client and server process behind.
 *
 * The server's own command ids (grepls.setPattern, ...) are registered in VS Code by
 * vscode-languageclient itself; the UI talks to them with workspace/executeCommand requests sent
 * directly, so a server error arrives here as a ResponseError whose message we can show in place.
 */
import * as vscode from "vscode";
import {
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  Range as ProtocolRange,
  ServerOptions,
  State,
} from "vscode-languageclient/node";
import { formatVersion } from "./interpreter";
import { launchSpec } from "./launch";
import { SerialLifecycle } from "./lifecycle";
import { MatchCounts } from "./matchCounts";
import { findPython } from "./python";
import { PatternQuery, serverPayload } from "./settings";

export interface SetPatternResult {
  pattern: string | null;
  matches: number;
}

export interface MatchLine {
  range: vscode.Range;
  text: string;
}

export class GreplsServer implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly started = new vscode.EventEmitter<void>();
  /** Fires each time a server is up and initialized (first start and every restart). */
  readonly onDidStart = this.started.event;
  private readonly failed = new vscode.EventEmitter<string>();
  /** Fires with the reason when a start fails (no suitable Python, the process died, ...). */
  readonly onDidFail = this.failed.event;

  private readonly lifecycle = new SerialLifecycle({ start: () => this.startNow(), stop: () => this.stopNow() });

  constructor(
    private readonly extensionRoot: string,
    private readonly log: vscode.LogOutputChannel,
    /** Where vscode-languageclient writes the `grepls.trace.server` trace (trace.ts). */
    private readonly traceChannel: vscode.LogOutputChannel,
    /** Filled from every diagnostic report as it arrives; the status bar counts from it. */
    private readonly counts: MatchCounts,
  ) {}

  get running(): boolean {
    return this.client?.state === State.Running;
  }

  /** Starts the server (after whatever start, stop or restart is under way). */
  start(): Promise<boolean> {
    return this.lifecycle.start();
  }

  stop(): Promise<void> {
    return this.lifecycle.stop();
  }

  /** Stops and starts; restarts asked for while one waits its turn join that one. */
  restart(): Promise<boolean> {
    this.log.info("restarting the server");
    return this.lifecycle.restart();
  }

  private async startNow(): Promise<boolean> {
    await this.stopNow(); // a start on a running server replaces it, never runs beside it
    const python = await findPython(this.log);
    if (!python.ok) {
      this.log.error(python.message);
      this.failed.fire("no suitable Python");
      void this.offerInterpreterSetting(python.message);
      return false;
    }
    this.log.info(`using Python ${formatVersion(python.version)} at ${python.executable} (${python.candidate.origin})`);
    const spec = launchSpec(this.extensionRoot, python.candidate.command, python.version, process.env);
    if ("error" in spec) {
      this.log.error(spec.error);
      this.failed.fire(spec.error);
      void this.offerInterpreterSetting(`grepls cannot start: ${spec.error}.`);
      return false;
    }
    const serverOptions: ServerOptions = {
      command: spec.command,
      args: spec.args,
      // No `transport`: languageclient then talks over stdio without appending `--stdio`.
      options: { env: spec.env, cwd: spec.cwd },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: "file" }, { scheme: "untitled" }],
      synchronize: { configurationSection: "grepls" },
      // The user's values as they are: the server checks them and names a bad one in a message.
      initializationOptions: serverPayload(vscode.workspace.getConfiguration("grepls")),
      outputChannel: this.log,
      traceOutputChannel: this.traceChannel,
      middleware: {
        // Count each report's matches the moment it arrives, before VS Code makes markers of it.
        provideDiagnostics: async (document, previousResultId, token, next) => {
          const report = await next(document, previousResultId, token);
          const uri = document instanceof vscode.Uri ? document : document.uri;
          this.counts.record(uri.toString(), report ?? undefined);
          return report;
        },
        workspace: {
          // The server is sent only the settings it knows; `interpreter` and `trace` are ours.
          configuration: async (params, token, next) => {
            const answers = await next(params, token);
            if (!Array.isArray(answers)) {
              return answers;
            }
            return answers.map((answer, i) =>
              params.items[i]?.section === "grepls" && answer && typeof answer === "object"
                ? serverPayload(answer as Record<string, unknown>)
                : answer,
            );
          },
        },
      },
    };
    const client = new LanguageClient("grepls", "grepls", serverOptions, clientOptions);
    this.client = client;
    this.counts.clear();
    try {
      await client.start();
    } catch (error) {
      this.log.error(`the server did not start: ${String(error)}`);
      this.failed.fire(String(error));
      void vscode.window.showErrorMessage(`grepls: the server did not start (${String(error)}). See the grepls output.`);
      return false;
    }
    this.started.fire();
    return true;
  }

  private async stopNow(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      try {
        await client.stop(5000);
      } catch (error) {
        this.log.warn(`stopping the server: ${String(error)}`);
      }
    }
  }

  /** Throws the server's ResponseError (e.g. InvalidParams with the reason) on refusal. */
  async setPattern(query: PatternQuery): Promise<SetPatternResult> {
    return this.execute<SetPatternResult>("grepls.setPattern", [{ ...query }]);
  }

  async clearPattern(): Promise<SetPatternResult> {
    return this.execute<SetPatternResult>("grepls.clearPattern", []);
  }

  async listMatches(uri: vscode.Uri): Promise<MatchLine[]> {
    const client = this.requireClient();
    const lines = await this.execute<Array<{ range: ProtocolRange; text: string }>>("grepls.listMatches", [
      client.code2ProtocolConverter.asUri(uri),
    ]);
    return (lines ?? []).map((line) => ({ range: client.protocol2CodeConverter.asRange(line.range), text: line.text }));
  }

  private async execute<T>(command: string, args: unknown[]): Promise<T> {
    const client = this.requireClient();
    return (await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args })) as T;
  }

  private requireClient(): LanguageClient {
    if (!this.client || !this.running) {
      throw new Error("the grepls server is not running (see the grepls output; try grepls: Restart Server)");
    }
    return this.client;
  }

  private async offerInterpreterSetting(message: string): Promise<void> {
    const open = "Open Setting";
    if ((await vscode.window.showErrorMessage(message, open)) === open) {
      await vscode.commands.executeCommand("workbench.action.openSettings", "grepls.interpreter");
    }
  }

  dispose(): void {
    void this.stop();
    this.started.dispose();
    this.failed.dispose();
  }
}
