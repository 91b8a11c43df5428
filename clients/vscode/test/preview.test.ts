// The pattern box's preview (preview.ts) over the vscode stand-in: which editors it asks the
// server about, and what the box is told.
import { editor, standIn } from "./vscodeStandIn";
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { PatternPreview } from "../src/preview";

const TODO = { pattern: "TODO", regex: false, caseSensitive: true, wholeWord: false };

test("a diff's git: side, an output or a notebook on screen leaves the box counting the file (the server holds none of them)", async () => {
  const file = editor("file:///w/a.txt");
  const untitled = editor("untitled:Untitled-1");
  const others = ["git:/w/a.txt?%7B%22ref%22%3A%22HEAD%22%7D", "output:extension-output-grepls", "vscode-notebook-cell:/w/n.ipynb#X1"];
  standIn.window.visibleTextEditors = [...others.map(editor), file, untitled];
  standIn.window.activeTextEditor = file;
  const asked: string[] = [];
  // As the server answers: only the documents it is sent (file:, untitled:) are open to it.
  const preview = new PatternPreview(async (uri) => {
    asked.push(uri);
    if (!uri.startsWith("file:") && !uri.startsWith("untitled:")) {
      throw new Error(`grepls.previewPattern: ${uri} is not an open document`);
    }
    return { version: 1, matches: [0, 0, 4], count: 3, complete: true };
  });
  assert.deepEqual(await preview.show(TODO), { count: "3 matches in this file" });
  assert.deepEqual(asked, ["file:///w/a.txt", "untitled:Untitled-1"]);
  assert.equal(untitled.decorations.length, 1);
  // A scroll in the diff asks nothing either.
  standIn.events.visibleRanges.fire({ textEditor: standIn.window.visibleTextEditors[0] });
  assert.equal(asked.length, 2);
  preview.dispose();
});

test("the server's refusal of a pattern is still what the box says", async () => {
  const file = editor("file:///w/a.txt");
  standIn.window.visibleTextEditors = [file];
  standIn.window.activeTextEditor = file;
  const preview = new PatternPreview(async () => {
    throw new Error("invalid pattern: bad repetition operator");
  });
  assert.deepEqual(await preview.show(TODO), { refused: "invalid pattern: bad repetition operator" });
  preview.dispose();
});
