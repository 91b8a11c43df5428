// The grepls.replace argument: which commands ask the user, what is sent back, what is shown.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { countsText, outcomeText, promptOf, withReplacement } from "../src/replaceArguments";

test("a code action's replace without a replacement asks its prompt", () => {
  const args = [{ uri: "file:///a.txt", pattern: "search", prompt: 'Replace 3 matches of "TODO" with' }];
  assert.equal(promptOf(args), 'Replace 3 matches of "TODO" with');
  assert.equal(promptOf([{ uri: "file:///a.txt" }]), "Replace with");
});

test("a replace that has its replacement is sent as it is", () => {
  assert.equal(promptOf([{ replacement: "", uri: "file:///a.txt" }]), undefined);
  assert.equal(promptOf([]), undefined);
  assert.equal(promptOf(["TODO"]), undefined);
});

test("the answer is filled in, everything else kept", () => {
  const range = { start: { line: 0, character: 1 }, end: { line: 0, character: 5 } };
  assert.deepEqual(withReplacement([{ uri: "u", pattern: "search", range, prompt: "p" }], "DONE"), [
    { uri: "u", pattern: "search", range, prompt: "p", replacement: "DONE" },
  ]);
});

test("counts and outcomes read as sentences", () => {
  assert.equal(countsText({ replacements: 1, files: 1 }), "1 match in 1 file");
  assert.equal(countsText({ replacements: 5, files: 2 }), "5 matches in 2 files");
  assert.equal(outcomeText({ applied: true, replacements: 5, files: 2 }), "grepls: replaced 5 matches in 2 files");
  assert.equal(
    outcomeText({ applied: false, replacements: 5, files: 2, failureReason: "a document changed" }),
    "grepls: nothing replaced (a document changed)",
  );
});
