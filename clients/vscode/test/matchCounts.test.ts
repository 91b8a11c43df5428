// The status bar's count comes from the diagnostic reports the client receives.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { MatchCounts } from "../src/matchCounts";

test("a full report sets the count and tells the listeners once", () => {
  const counts = new MatchCounts();
  const heard: string[] = [];
  counts.onDidChange((uri) => heard.push(uri));
  counts.record("file:///a.txt", { kind: "full", items: [1, 2, 3] });
  counts.record("file:///a.txt", { kind: "full", items: [4, 5, 6] }); // same count: no news
  assert.equal(counts.get("file:///a.txt"), 3);
  assert.deepEqual(heard, ["file:///a.txt"]);
});

test("an unchanged report keeps the count", () => {
  const counts = new MatchCounts();
  counts.record("file:///a.txt", { kind: "full", items: [1] });
  counts.record("file:///a.txt", { kind: "unchanged" });
  counts.record("file:///a.txt", undefined);
  assert.equal(counts.get("file:///a.txt"), 1);
});

test("no report yet, no count; a new server forgets the old counts", () => {
  const counts = new MatchCounts();
  assert.equal(counts.get("file:///b.txt"), undefined);
  counts.record("file:///b.txt", { kind: "full", items: [] });
  assert.equal(counts.get("file:///b.txt"), 0);
  const heard: string[] = [];
  const listening = counts.onDidChange((uri) => heard.push(uri));
  counts.clear();
  listening.dispose();
  counts.record("file:///b.txt", { kind: "full", items: [1] });
  assert.equal(counts.get("file:///b.txt"), 1);
  assert.deepEqual(heard, ["file:///b.txt"]);
});
