/**
 * The search the user is running, as the UI knows it: the pattern (or none) and the three flags.
 * The flags live on when no pattern is set, so a toggle before typing a pattern is remembered.
 * Commands change it only after the server accepted the change, so it mirrors the server.
 */
import * as vscode from "vscode";
import { PatternFlag, PatternQuery, PatternSettings } from "./settings";

export class PatternState implements vscode.Disposable {
  pattern: string | null;
  flags: Record<PatternFlag, boolean>;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(settings: PatternSettings) {
    this.pattern = settings.pattern;
    this.flags = { ...settings.flags };
  }

  /** The query to (re)send, or undefined when no pattern is active. */
  get query(): PatternQuery | undefined {
    return this.pattern === null ? undefined : { pattern: this.pattern, ...this.flags };
  }

  update(pattern: string | null, flags: Partial<Record<PatternFlag, boolean>> = {}): void {
    this.pattern = pattern;
    this.flags = { ...this.flags, ...flags };
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}
