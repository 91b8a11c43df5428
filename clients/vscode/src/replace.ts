/**
 * Replace: the palette's "grepls: Replace All…" (the code actions' prompt is replacePrompt.ts).
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
import { escapeIcons } from "./labels";
import { countsText } from "./replaceArguments";
import { PLACEHOLDER, reportOutcome } from "./replacePrompt";
import { GreplsServer } from "./server";
import { currentScope } from "./matchesView";
import { confirmReplaceAbove, describeQuery } from "./settings";
import { PatternState } from "./state";

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * grepls: Replace All… — every match of the search pattern in the open documents, or with the
 * scope "workspace" in every file of the workspace (files that are not open are edited with
 * version null: VS Code opens them to apply the edit, and one undo takes it back).
 */
export async function replaceAll(server: GreplsServer, state: PatternState): Promise<void> {
  const query = state.query;
  if (!query) {
    void vscode.window.showInformationMessage("grepls: no pattern set (grepls: Set Search Pattern)");
    return;
  }
  const described = describeQuery(query);
  const scope = currentScope();
  const where = scope === "workspace" ? "the workspace" : "the open documents";
  const counted = await server.replace({ replacement: "", scope, dryRun: true });
  if (counted.replacements === 0) {
    void vscode.window.showInformationMessage(`grepls: no matches of ${described} in ${where}`);
    return;
  }
  // The server's threshold: a bad value reads as the default there, so here too.
  const threshold = confirmReplaceAbove(vscode.workspace.getConfiguration("grepls").get<unknown>("confirmReplaceAbove"));
  const preview = counted.replacements > threshold ? "; a preview opens first" : "";
  const replacement = await new Promise<string | undefined>((done) => {
    const box = vscode.window.createInputBox();
    box.title = `grepls: Replace All — ${countsText(counted)}`;
    box.prompt = `Replace ${countsText(counted)} of ${escapeIcons(described)} in ${where} with (Enter to apply${preview}, Escape to cancel)`;
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
        await server.replace({ replacement: box.value, scope, dryRun: true });
        accepted = box.value;
        box.hide();
      } catch (error) {
        box.validationMessage = escapeIcons(errorText(error));
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
  reportOutcome(await server.replace({ replacement, scope }));
}
