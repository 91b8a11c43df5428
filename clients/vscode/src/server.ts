/**
 * The language client around the bundled grepls server: start, stop, restart, the server
 * commands the UI calls, and the diagnostics on their way to VS Code.
 *
 * Start, stop and restart go through one queue (lifecycle.ts), so two quick restarts never run
 * side by side and leave a second client and server process behind.
 *
 * The server's own command ids (grepls.setPattern, ...) are registered in VS Code by
 * vscode-languageclient itself; the UI talks to them with workspace/executeCommand requests sent
 * directly, so a server error arrives here as a ResponseError whose message we can show in place.
 *
 * Every diagnostic passes through `matches` (matches.ts) before VS Code gets it, pushed or pulled:
 * the decorations are painted from there, and a pattern with `"diagnostics": false` stops there.
 */
import * as vscode from "vscode";
import {
  DocumentDiagnosticRequest,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  Range as ProtocolRange,
  RevealOutputChannelOn,
  ServerOptions,
  State,
  vsdiag,
  WorkDoneProgressBegin,
  WorkDoneProgressEnd,
  WorkDoneProgressReport,
} from "vscode-languageclient/node";
import { formatVersion } from "./interpreter";
import { launchSpec, vscodeRipgrepFolder } from "./launch";
import { SerialLifecycle, settledWithin } from "./lifecycle";
import { PatternMatches, Report, ResultReporter, SYNCED_SCHEMES, WorkspacePulls } from "./matches";
import { ListedPattern, PatternEntry, SEARCH_ID, serverEntry } from "./patterns";
import { findPython } from "./python";
import { promptingExecuteCommand } from "./replacePrompt";
import { ReplaceArgument, ReplaceResult } from "./replaceArguments";
import { PatternQuery, serverPayload } from "./settings";
import { ListedMatch } from "./workspaceMatches";

export interface SetPatternResult {
  pattern: string | null;
  matches: number;
  /** With the workspace scope: the scan's totals so far (it has just begun). */
  workspace?: { files: number; matches: number; complete: boolean };
}

/** Where a workspace scan of the server is: running, or ended with its totals as a message. */
export type ScanProgress = { state: "running"; message?: string } | { state: "ended"; message: string };

export interface AddPatternResult {
  id: string;
  matches: number;
  complete: boolean;
}

export interface MatchLine {
  range: vscode.Range;
  text: string;
  /** The id of the pattern that matched ("search" from a server that knows only that one). */
  pattern: string;
}

/** How long a stop lets the commands under way be answered before it shuts the server down. */
const STOP_WAITS_FOR_MS = 1_000;

export class GreplsServer implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly started = new vscode.EventEmitter<void>();
  /** Fires each time a server is up and initialized (first start and every restart). */
  readonly onDidStart = this.started.event;
  private readonly failed = new vscode.EventEmitter<string>();
  /** Fires with the reason when a start fails (no suitable Python, the process died, ...). */
  readonly onDidFail = this.failed.event;

  private readonly scans = new vscode.EventEmitter<ScanProgress>();
  /** Fires as the server's workspace scans begin, report and end (its work-done progress). */
  readonly onDidScan = this.scans.event;
  /** The work-done progress tokens of the server's scans (their begin's title is "grepls"). */
  private readonly scanTokens = new Set<string | number>();

  private readonly lifecycle = new SerialLifecycle({ start: () => this.startNow(), stop: () => this.stopNow() });

  /** The closed files' reports of this client's workspace pulls, filtered (matches.ts). */
  private workspacePulls: WorkspacePulls<vscode.Diagnostic, vscode.Uri> | undefined;

  /** Push only: hands VS Code a document's diagnostics (languageclient's own `next`). */
  private showPushed: ((uri: vscode.Uri, diagnostics: vscode.Diagnostic[]) => void) | undefined;

  constructor(
    private readonly extensionRoot: string,
    private readonly log: vscode.LogOutputChannel,
    /** Where vscode-languageclient writes the `grepls.trace.server` trace (trace.ts). */
    private readonly traceChannel: vscode.LogOutputChannel,
    /** Every pattern's diagnostics, which pass through here on their way to VS Code. */
    private readonly matches: PatternMatches<vscode.Diagnostic>,
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
    const ripgrep = vscodeRipgrepFolder(vscode.env.appRoot);
    const spec = launchSpec(this.extensionRoot, python.candidate.command, python.version, process.env, ripgrep);
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
    const workspacePulls = new WorkspacePulls<vscode.Diagnostic, vscode.Uri>(this.matches);
    this.workspacePulls = workspacePulls;
    const clientOptions: LanguageClientOptions = {
      documentSelector: SYNCED_SCHEMES.map((scheme) => ({ scheme })),
      synchronize: { configurationSection: "grepls" },
      // The user's values as they are: the server checks them and names a bad one in a message.
      initializationOptions: serverPayload(vscode.workspace.getConfiguration("grepls")),
      outputChannel: this.log,
      traceOutputChannel: this.traceChannel,
      // A request VS Code makes just as a client stops (Restart Server twice in a row) fails with
      // "Starting server failed" or "Client is not running", and vscode-languageclient would
      // show each failed request as an error notification: nothing the user can act on. They go
      // to the grepls output only. A server that crashes or cannot start still shows one (those
      // are forced), and so do the server's own messages (window/showMessage).
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      middleware: {
        // The code actions "Replace this match…" / "Replace all N matches…" ask for the replacement.
        executeCommand: promptingExecuteCommand,
        // VS Code shows the progress; the grepls view and status bar also learn when a scan ends.
        handleWorkDoneProgress: (token, params, next) => {
          next(token, params);
          this.followScan(token, params);
        },
        // A request failing because this client is stopping (Reload Window) is no failure of the
        // provider's: it answers nothing, instead of VS Code logging "provider FAILED".
        provideCodeActions: async (document, range, context, token, next) => {
          try {
            return await next(document, range, context, token);
          } catch (error) {
            if (this.client !== client) {
              return undefined;
            }
            throw error;
          }
        },
        handleDiagnostics: (uri, diagnostics, next) => {
          this.showPushed = next;
          next(uri, this.matches.pushed(uri.toString(), diagnostics));
        },
        provideDiagnostics: async (document, previousResultId, token, next) => {
          const report = await next(document, previousResultId, token);
          if (!report) {
            return report;
          }
          const uri = document instanceof vscode.Uri ? document : document.uri;
          // vsdiag's report kinds are the strings "full" and "unChanged", as Report spells them.
          return this.matches.pulled(uri.toString(), report as Report<vscode.Diagnostic>) as vsdiag.DocumentDiagnosticReport;
        },
        // The closed files (workspace scope): their reports go into VS Code's collection through
        // the reporter, as they come, and leave the hidden patterns out there.
        provideWorkspaceDiagnostics: (resultIds, token, resultReporter, next) =>
          workspacePulls.provide(
            resultIds,
            token,
            resultReporter as ResultReporter<vscode.Diagnostic, vscode.Uri>,
            next as (ids: typeof resultIds, token: vscode.CancellationToken, reporter: ResultReporter<vscode.Diagnostic, vscode.Uri>) => ReturnType<typeof next>,
          ) as Promise<vsdiag.WorkspaceDiagnosticReport | null | undefined>,
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
    this.showPushed = undefined;
    this.workspacePulls = undefined;
    if (client) {
      this.matches.clear(); // its diagnostics go with it
      // vscode-languageclient sends a request a few turns of the event loop after it is made: one
      // made just before this stop would reach the server after its shutdown and be refused.
      await settledWithin([...this.underWay], STOP_WAITS_FOR_MS);
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

  /** grepls.previewPattern: `query` tried on lines [first, last) of an open document, nothing set. */
  async previewPattern(uri: string, first: number, last: number, query: PatternQuery): Promise<unknown> {
    return this.execute<unknown>("grepls.previewPattern", [uri, first, last, { ...query }]);
  }

  async clearPattern(): Promise<SetPatternResult> {
    return this.execute<SetPatternResult>("grepls.clearPattern", []);
  }

  /** grepls.replace; with `dryRun` the server only counts (and checks the replacement). */
  async replace(argument: ReplaceArgument): Promise<ReplaceResult> {
    return this.execute<ReplaceResult>("grepls.replace", [argument]);
  }

  /** Adds a pattern, or replaces the one with the same id; client-only keys are not sent. */
  async addPattern(entry: PatternEntry): Promise<AddPatternResult> {
    return this.execute<AddPatternResult>("grepls.addPattern", [serverEntry(entry)]);
  }

  async removePattern(id: string): Promise<void> {
    await this.execute<unknown>("grepls.removePattern", [id]);
  }

  /** Every pattern the server runs: the settings' ones, the added ones, then "search". */
  async listPatterns(): Promise<ListedPattern[]> {
    return (await this.execute<ListedPattern[] | null>("grepls.listPatterns", [])) ?? [];
  }

  async listMatches(uri: vscode.Uri): Promise<MatchLine[]> {
    const client = this.requireClient();
    const lines = await this.execute<Array<{ range: ProtocolRange; text: string; pattern?: string }>>("grepls.listMatches", [
      client.code2ProtocolConverter.asUri(uri),
    ]);
    return (lines ?? []).map((line) => ({
      range: client.protocol2CodeConverter.asRange(line.range),
      text: line.text,
      pattern: typeof line.pattern === "string" ? line.pattern : SEARCH_ID,
    }));
  }

  /**
   * Every match in scope (`grepls.listMatches` with no argument): open documents and, with the
   * workspace scope, the files that are not open; files in path order, at most
   * `maxWorkspaceMatches`.
   */
  async listAllMatches(): Promise<ListedMatch[]> {
    return (await this.execute<ListedMatch[] | null>("grepls.listMatches", [])) ?? [];
  }

  /** One open document's matches as the server lists them (each with its pattern). */
  async listDocumentMatches(uri: string): Promise<ListedMatch[]> {
    const lines = (await this.execute<Omit<ListedMatch, "uri">[] | null>("grepls.listMatches", [uri])) ?? [];
    return lines.map((line) => ({ ...line, uri }));
  }

  private followScan(
    token: string | number,
    params: WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd,
  ): void {
    if (params.kind === "begin" && params.title === "grepls") {
      this.scanTokens.add(token);
      this.scans.fire({ state: "running", message: params.message });
    } else if (this.scanTokens.has(token) && params.kind === "report") {
      this.scans.fire({ state: "running", message: params.message });
    } else if (this.scanTokens.delete(token) && params.kind === "end") {
      this.scans.fire({ state: "ended", message: params.message ?? "" });
    }
  }

  /**
   * Shows VS Code the diagnostics again, filtered anew, after the set of patterns kept out of the
   * Problems panel changed (the server has nothing new to say about it).
   */
  showDiagnosticsAgain(): void {
    const client = this.client;
    if (!client || !this.running) {
      return;
    }
    if (this.showPushed) {
      for (const uri of this.matches.uris()) {
        this.showPushed(vscode.Uri.parse(uri), this.matches.visibleNow(uri));
      }
    }
    // Pull: VS Code asks again; the server's "unChanged" comes back as a full, refiltered report.
    client.getFeature(DocumentDiagnosticRequest.method)?.refresh();
    // Workspace pull: the server keeps it open until it has news; the closed files shown are
    // reported again, refiltered, through it.
    this.workspacePulls?.refilter();
  }

  /** grepls.matchesInLines: every pattern's matches on lines [first, last) of an open document. */
  matchesInLines(uri: string, first: number, last: number): Promise<unknown> {
    return this.execute<unknown>("grepls.matchesInLines", [uri, first, last]);
  }

  /** The commands sent and not answered yet: a stop lets them be answered first. */
  private readonly underWay = new Set<Promise<unknown>>();

  private async execute<T>(command: string, args: unknown[]): Promise<T> {
    const client = this.requireClient();
    const answer = client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
    this.underWay.add(answer);
    try {
      return (await answer) as T;
    } finally {
      this.underWay.delete(answer);
    }
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
    this.scans.dispose();
  }
}
