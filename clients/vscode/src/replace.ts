/**
 * Replace: the palette's "grepls: Replace All…" and the prompt of the server's code actions.
 *
 * The server computes every replace and sends it back as a workspace edit, which VS Code applies
 * as one undoable edit (Ctrl+Z offers to undo it in every file). Above `grepls.confirmReplaceAbove`
 * replacements the edit asks for confirmation, and VS Code opens its Refactor Preview first.
 *
 * Replace All first asks the server how many matches there are (`"dryRun": true`), shows it in
 * the input box, checks the replacement the same way when the user presses Enter (a group the
 * pattern lacks is reported in the box), then hides the box and replaces.
 */
import * as vscode from "vscode";
import { countsText, outcomeText, promptOf, ReplaceResult, withReplacement } from "./replaceArguments";
import { GreplsServer } from "./server";
import { describeQuery } from "./settings";
import { PatternState } from "./state";

const PLACEHOLDER = "the replacement (in a regex: \\0 is the match, \\1 to \\9 its groups, \\\\ a backslash)";

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Tells the user how the replace went: a status bar message, or a warning when nothing changed. */
export function reportOutcome(result: ReplaceResult | undefined): void {
  if (!result) {
    return;
  }
  if (result.applied) {
    vscode.window.setStatusBarMessage(outcomeText(result), 5000);
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
    prompt,
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

/** grepls: Replace All… — every match of the search pattern in the open documents. */
export async function replaceAll(server: GreplsServer, state: PatternState): Promise<void> {
  const query = state.query;
  if (!query) {
    void vscode.window.showInformationMessage("grepls: no pattern set (grepls: Set Search Pattern)");
    return;
  }
  const described = describeQuery(query);
  const counted = await server.replace({ replacement: "", scope: "open", dryRun: true });
  if (counted.replacements === 0) {
    void vscode.window.showInformationMessage(`grepls: no matches of ${described} in the open documents`);
    return;
  }
  const threshold = vscode.workspace.getConfiguration("grepls").get<number>("confirmReplaceAbove", 100);
  const preview = counted.replacements > threshold ? "; a preview opens first" : "";
  const replacement = await new Promise<string | undefined>((done) => {
    const box = vscode.window.createInputBox();
    box.title = `grepls: Replace All — ${countsText(counted)}`;
    box.prompt = `Replace ${countsText(counted)} of ${described} with (Enter to apply${preview}, Escape to cancel)`;
    box.placeholder = PLACEHOLDER;
    box.ignoreFocusOut = true;
    let accepted: string | undefined;
    box.onDidChangeValue(() => {
      box.validationMessage = undefined;
    });
    box.onDidAccept(async () => {
      box.busy = true;
      box.enabled = false;
      try {
        // The server checks the replacement (a group the pattern lacks is refused) without a change.
        await server.replace({ replacement: box.value, scope: "open", dryRun: true });
        accepted = box.value;
        box.hide();
      } catch (error) {
        box.validationMessage = errorText(error);
      } finally {
        box.busy = false;
        box.enabled = true;
      }
    });
    box.onDidHide(() => {
      box.dispose();
      done(accepted);
    });
    box.show();
  });
  if (replacement === undefined) {
    return;
  }
  reportOutcome(await server.replace({ replacement, scope: "open" }));
}
