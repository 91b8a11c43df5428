/**
 * `grepls.trace.server` (`off`, `messages`, `verbose`): the LSP conversation in Output › grepls.
 *
 * vscode-languageclient reads `<client id>.trace.server` itself (the client id is `grepls`), but
 * version 10 traces only while its trace channel's log level is Trace: at the default level (Info)
 * it traces nothing, whatever the setting says. So the client is given this view of the grepls
 * LogOutputChannel as its trace channel: it reports the Trace level while the setting is on (or
 * while the user has set the channel itself to Trace), announces a change of the setting as a
 * change of level so the client re-reads it at once, and writes the trace lines at Info when the
 * channel is not at Trace, so that they show without changing the channel's level.
 */
import * as vscode from "vscode";

function traceSettingOn(): boolean {
  const value = vscode.workspace.getConfiguration("grepls").get<unknown>("trace.server");
  return value === "messages" || value === "verbose";
}

export class TraceChannel implements vscode.LogOutputChannel {
  private readonly levelChanged = new vscode.EventEmitter<vscode.LogLevel>();
  readonly onDidChangeLogLevel = this.levelChanged.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.subscriptions = [
      this.levelChanged,
      log.onDidChangeLogLevel(() => this.levelChanged.fire(this.logLevel)),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration("grepls.trace.server")) {
          this.levelChanged.fire(this.logLevel);
        }
      }),
    ];
  }

  get name(): string {
    return this.log.name;
  }

  get logLevel(): vscode.LogLevel {
    return traceSettingOn() ? vscode.LogLevel.Trace : this.log.logLevel;
  }

  trace(message: string, ...args: unknown[]): void {
    if (this.log.logLevel === vscode.LogLevel.Trace) {
      this.log.trace(message, ...args);
    } else if (traceSettingOn()) {
      this.log.info(message, ...args);
    }
  }

  debug(message: string, ...args: unknown[]): void {
    this.log.debug(message, ...args);
  }

  info(message: string, ...args: unknown[]): void {
    this.log.info(message, ...args);
  }

  warn(message: string, ...args: unknown[]): void {
    this.log.warn(message, ...args);
  }

  error(error: string | Error, ...args: unknown[]): void {
    this.log.error(error, ...args);
  }

  append(value: string): void {
    this.log.append(value);
  }

  appendLine(value: string): void {
    this.log.appendLine(value);
  }

  replace(value: string): void {
    this.log.replace(value);
  }

  clear(): void {
    this.log.clear();
  }

  show(columnOrPreserveFocus?: vscode.ViewColumn | boolean, preserveFocus?: boolean): void {
    if (typeof columnOrPreserveFocus === "boolean" || columnOrPreserveFocus === undefined) {
      this.log.show(columnOrPreserveFocus);
    } else {
      this.log.show(columnOrPreserveFocus, preserveFocus);
    }
  }

  hide(): void {
    this.log.hide();
  }

  /** Stops following the setting; the grepls channel itself is not ours to dispose. */
  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
  }
}
