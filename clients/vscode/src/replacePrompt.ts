/**
 * Asking the user for a replacement: the prompt of the server's code actions ("Replace this
 * match…", "Replace all N matches in this file…"), and how the outcome of any replace is told.
 *
 * The language client's `executeCommand` middleware (server.ts) passes every server command
 * through `promptingExecuteCommand`; a `grepls.replace` that leaves the replacement to the editor
 * is sent only once the user typed one. This module knows nothing of the client around it, so the
 * client can use it and Replace All (replace.ts), which drives the client, can too.
 */
import * as vscode from "vscode";
import { escapeIcons } from "./labels";
import { outcomeText, promptOf, ReplaceResult, withReplacement } from "./replaceArguments";

export const PLACEHOLDER = "the replacement (in a regex: \\0 is the match, \\1 to \\9 its groups, \\\\ a backslash)";

/** Tells the user how the replace went: a status bar message, or a warning when nothing changed. */
export function reportOutcome(result: ReplaceResult | undefined): void {
  if (!result) {
    return;
  }
  if (result.applied) {
    vscode.window.setStatusBarMessage(escapeIcons(outcomeText(result)), 5000);
  } else {
    void vscode.window.showWarningMessage(outcomeText(result));
  }
}

/**
 * The languageclient middleware for `workspace/executeCommand`: a `grepls.replace` that leaves
 * the replacement to the editor (a code action) is sent once the user has typed one.
 */
export async function promptingExecuteCommand(
  command: string,
  args: unknown[],
  next: (command: string, args: unknown[]) => unknown,
): Promise<unknown> {
  const prompt = command === "grepls.replace" ? promptOf(args) : undefined;
  if (prompt === undefined) {
    return next(command, args);
  }
  const replacement = await vscode.window.showInputBox({
    title: "grepls",
    prompt: escapeIcons(prompt),
    placeHolder: PLACEHOLDER,
    ignoreFocusOut: true,
  });
  if (replacement === undefined) {
    return undefined;
  }
  const result = (await next(command, withReplacement(args, replacement))) as ReplaceResult | undefined;
  reportOutcome(result);
  return result;
}
