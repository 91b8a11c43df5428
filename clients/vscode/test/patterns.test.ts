// Pattern entries: what the server is sent of them, their ids, the ones kept out of the Problems
// panel, and the labels the palette shows.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { entryId, hiddenIds, newPatternId, patternLabel, readEntries, serverEntry } from "../src/patterns";

test("the server is sent an entry without the client's own keys (color, diagnostics)", () => {
  const entry = { pattern: "FIXME", regex: false, severity: "warning" as const, id: "fix", color: "red", diagnostics: false };
  assert.deepEqual(serverEntry(entry), { pattern: "FIXME", regex: false, severity: "warning", id: "fix" });
  assert.deepEqual(serverEntry({ pattern: "x" }), { pattern: "x" });
});

test("an entry's id is its id, else its pattern text, as the server names it", () => {
  assert.equal(entryId({ pattern: "TODO" }), "TODO");
  assert.equal(entryId({ pattern: "TODO", id: "todo-items" }), "todo-items");
  assert.equal(entryId({ pattern: "TODO", id: "" }), "TODO");
});

test("entries the client cannot read are skipped (the server names them itself)", () => {
  const entries = readEntries([{ pattern: "a" }, "b", null, { regex: true }, { pattern: 3 }, { pattern: "c", color: "blue" }]);
  assert.deepEqual(entries, [{ pattern: "a" }, { pattern: "c", color: "blue" }]);
  assert.deepEqual(readEntries("TODO"), []);
  assert.deepEqual(readEntries(undefined), []);
});

test("only patterns with diagnostics: false stay out of the Problems panel", () => {
  const hidden = hiddenIds([
    { pattern: "a", diagnostics: false },
    { pattern: "b", diagnostics: true },
    { pattern: "c" },
    { pattern: "d", id: "dee", diagnostics: false },
  ]);
  assert.deepEqual([...hidden].sort(), ["a", "dee"]);
});

test("a new pattern's id is its text unless the search or a settings pattern has it", () => {
  assert.equal(newPatternId("TODO", new Set()), "TODO");
  assert.equal(newPatternId("search", new Set()), "search (2)");
  assert.equal(newPatternId("TODO", new Set(["TODO", "TODO (2)"])), "TODO (3)");
});

test("labels: the text quoted, regexes between slashes, a chosen id in front", () => {
  assert.equal(patternLabel({ id: "TODO", pattern: "TODO", regex: false }), '"TODO"');
  assert.equal(patternLabel({ id: "TOD+", pattern: "TOD+", regex: true }), "/TOD+/");
  assert.equal(patternLabel({ id: "tickets", pattern: "GH-\\d+", regex: true }), "tickets: /GH-\\d+/");
  assert.equal(patternLabel({ id: "search", pattern: "x", regex: false }), 'search "x"');
});
