// The grepls view's model: the server's list of every match in scope, grouped by pattern and
// file in the server's order, filtered, counted; the labels of its lines; the status bar's words.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import {
  countsLabel,
  Debounced,
  filterText,
  lineLabel,
  ListedMatch,
  MatchTree,
  nameAndFolder,
  scanWasCut,
  scopeTarget,
  patched,
  withPatternIds,
  workspaceText,
} from "../src/workspaceMatches";

function match(uri: string, line: number, start: number, end: number, text: string, pattern?: string): ListedMatch {
  return {
    uri,
    range: { start: { line, character: start }, end: { line, character: end } },
    text,
    ...(pattern === undefined ? {} : { pattern }),
  };
}

const A = "file:///w/a.txt";
const B = "file:///w/sub/b.txt";

test("one pattern: files in the server's order, lines under each, counts", () => {
  const tree = new MatchTree(
    [match(A, 0, 0, 4, "TODO one"), match(A, 3, 2, 6, "  TODO two"), match(B, 1, 0, 4, "TODO three")],
    20000,
  );
  assert.equal(tree.groups.length, 1);
  const [group] = tree.groups;
  assert.equal(group.pattern, "search");
  assert.equal(group.count, 3);
  assert.deepEqual(group.files.map((f) => [f.uri, f.matches.length]), [[A, 2], [B, 1]]);
  assert.deepEqual(
    { matches: tree.totals.matches, files: tree.totals.files, capped: tree.totals.capped },
    { matches: 3, files: 2, capped: false },
  );
});

test("several patterns: grouped in the given order, an unknown one after, empty ones left out", () => {
  const tree = new MatchTree(
    [match(A, 0, 0, 4, "TODO FIXME", "todo"), match(A, 0, 5, 10, "TODO FIXME", "fixme"), match(B, 2, 0, 3, "XXX", "other")],
    20000,
    ["fixme", "todo", "unused", "search"],
  );
  assert.deepEqual(tree.groups.map((g) => g.pattern), ["fixme", "todo", "other"]);
  assert.deepEqual(tree.totals.perPattern.get("todo"), { matches: 1, files: 1 });
  assert.equal(tree.totals.files, 2);
});

test("the filter keeps lines whose text or path holds it, ignoring case; totals stay whole", () => {
  const listed = [match(A, 0, 0, 4, "TODO plumber"), match(A, 1, 0, 4, "TODO paint"), match(B, 0, 0, 4, "TODO other")];
  const byText = new MatchTree(listed, 20000, [], "PLUMB");
  assert.equal(byText.shown, 1);
  assert.equal(byText.groups[0].files[0].matches[0].text, "TODO plumber");
  assert.equal(byText.totals.matches, 3);
  const byPath = new MatchTree(listed, 20000, [], "sub/");
  assert.deepEqual(byPath.groups[0].files.map((f) => f.uri), [B]);
  assert.equal(new MatchTree(listed, 20000, [], "nowhere").groups.length, 0);
});

test("the filter reads a file's path from its workspace folder: the folder's own path holds no match", () => {
  const at = (path: string, text: string) => match(`file:///home/alice/todo-app/${path}`, 0, 0, 4, text, "TODO");
  const listed = [at("src/a.ts", "TODO: fix the parser"), at("src/b.ts", "TODO: cache"), at("docs/c.md", "TODO: go back home")];
  const folders = ["/home/alice/todo-app"];
  assert.deepEqual(new MatchTree(listed, 20000, ["TODO"], "home", false, folders).shown, 1);
  assert.deepEqual(new MatchTree(listed, 20000, ["TODO"], "alice", false, folders).shown, 0);
  assert.deepEqual(new MatchTree(listed, 20000, ["TODO"], "SRC/", false, folders).shown, 2);
  // A file outside every folder is read by its whole path.
  assert.deepEqual(new MatchTree([match("file:///tmp/x.txt", 0, 0, 4, "TODO")], 20000, [], "tmp", false, folders).shown, 1);
});

test("a list as long as maxWorkspaceMatches is cut only when the scan says it stopped there", () => {
  const listed = [match(A, 0, 0, 1, "a"), match(A, 1, 0, 1, "a")];
  // Exactly maxWorkspaceMatches matches, the scan complete: no "+".
  assert.equal(new MatchTree(listed, 2).totals.capped, false);
  assert.equal(new MatchTree(listed, 2, [], "", false).totals.capped, false);
  assert.equal(new MatchTree(listed, 2, [], "", true).totals.capped, true);
  assert.equal(new MatchTree(listed, 3, [], "", true).totals.capped, false);
});

test("a scan's end message says whether it was cut at the cap (the server's wording)", () => {
  assert.equal(scanWasCut("20,000 matches in 400 of 9,000 files"), false);
  assert.equal(scanWasCut("20,001 matches in 400 of 9,000 files; cut at grepls.maxWorkspaceMatches (20,000)"), true);
  assert.equal(scanWasCut(undefined), false);
});

test("the status bar shows + only for a cut list", () => {
  const perPattern = new Map([["search", { matches: 2, files: 1 }]]);
  const summary = { matches: 2, files: 1, perPattern, scanning: false };
  assert.equal(workspaceText({ ...summary, capped: false }, "search").text, " · 2 in workspace");
  assert.equal(workspaceText({ ...summary, capped: true }, "search").text, " · 2+ in workspace");
});

test("twenty thousand matches group in one pass", () => {
  const listed: ListedMatch[] = [];
  for (let i = 0; i < 20000; i++) {
    listed.push(match(`file:///w/f${Math.floor(i / 10)}.txt`, i % 10, 0, 4, "TODO"));
  }
  const tree = new MatchTree(listed, 20000, [], "", true);
  assert.equal(tree.groups[0].files.length, 2000);
  assert.equal(tree.totals.capped, true);
});

test("a line's label: 1-based line number, leading blanks trimmed, the match highlighted", () => {
  assert.deepEqual(lineLabel(match(A, 4, 6, 10, "    x TODO y")), { label: "5: x TODO y", highlight: [5, 9] });
  // UTF-16 columns after an emoji are the label's own offsets (JavaScript strings count alike).
  assert.deepEqual(lineLabel(match(A, 0, 3, 7, "😀 TODO")), { label: "1: 😀 TODO", highlight: [6, 10] });
  // An excerpt of a long line ("…" first) does not keep columns: no highlight.
  assert.deepEqual(lineLabel(match(A, 0, 900, 904, "…abc TODO def…")), { label: "1: …abc TODO def…" });
});

test("file name and folder relative to the workspace folder", () => {
  assert.deepEqual(nameAndFolder(B, ["/w"]), ["b.txt", "sub"]);
  assert.deepEqual(nameAndFolder(A, ["/w/"]), ["a.txt", ""]);
  assert.deepEqual(nameAndFolder("file:///elsewhere/c%20d.txt", ["/w"]), ["c d.txt", "/elsewhere"]);
});

test("counts and the status bar's workspace words", () => {
  assert.equal(countsLabel(1, 1), "1 match in 1 file");
  assert.equal(countsLabel(5, 3), "5 matches in 3 files");
  assert.equal(countsLabel(1, 1, false), "1+ matches in 1+ files");
  const perPattern = new Map([["search", { matches: 4, files: 2 }]]);
  const done = workspaceText({ matches: 6, files: 3, perPattern, scanning: false, capped: false, lastScan: "6 matches in 3 of 9 files" }, "search");
  assert.equal(done.text, " · 4 in workspace");
  assert.match(done.tooltip, /In the workspace: 4 matches in 2 files \(complete\)\.\nLast scan: 6 matches in 3 of 9 files\./);
  const running = workspaceText({ matches: 6, files: 3, perPattern, scanning: true, capped: false }, undefined);
  assert.match(running.tooltip, /6 matches in 3 files \(so far/);
  const cut = workspaceText({ matches: 6, files: 3, perPattern, scanning: false, capped: true }, "search");
  assert.equal(cut.text, " · 4+ in workspace");
  assert.match(cut.tooltip, /In the workspace: 4\+ matches in 2\+ files \(not complete/);
  assert.equal(workspaceText({ matches: 0, files: 0, perPattern: new Map(), scanning: false, capped: false }, "x").text, " · 0 in workspace");
});

test("Debounced runs once after quiet, never twice at once, and again for a call made meanwhile", async () => {
  let runs = 0;
  let active = 0;
  let most = 0;
  let release: () => void = () => undefined;
  const debounced = new Debounced(async () => {
    runs++;
    active++;
    most = Math.max(most, active);
    await new Promise<void>((done) => (release = done));
    active--;
  }, 10);
  debounced.schedule();
  debounced.schedule();
  debounced.schedule();
  await new Promise((done) => setTimeout(done, 40));
  assert.equal(runs, 1);
  debounced.schedule(0); // while the first runs
  await new Promise((done) => setTimeout(done, 20));
  assert.equal(runs, 1);
  release();
  await new Promise((done) => setTimeout(done, 40));
  assert.equal(runs, 2);
  release();
  await new Promise((done) => setTimeout(done, 10));
  assert.equal(most, 1);
  debounced.dispose();
});

test("one document's fresh matches replace its old ones, files staying in path order", () => {
  const C = "file:///w/c.txt";
  const listed = [match(A, 0, 0, 4, "TODO a"), match(C, 0, 0, 4, "TODO c")];
  const fresh = new Map([
    [B, [{ range: match(B, 2, 0, 4, "").range, text: "TODO b", pattern: "search" } as ListedMatch]],
    [A, []],
  ]);
  const result = patched(listed, fresh);
  // "/w/c.txt" comes before "/w/sub/b.txt"; a.txt has no match left.
  assert.deepEqual(result.map((m) => [m.uri, m.text]), [[C, "TODO c"], [B, "TODO b"]]);
  assert.equal(result.find((m) => m.uri === B)?.uri, B);
});

test("a lone kept pattern is listed under its own name, and stays one node after a keystroke", () => {
  // grepls.listMatches with no argument names no pattern when one is in force: here the kept
  // TODO (no search set). One document's list names it.
  const whole = withPatternIds([match(A, 0, 0, 4, "TODO a"), match(B, 3, 0, 4, "TODO b")], ["TODO"]);
  const order = ["TODO", "search"];
  assert.deepEqual(new MatchTree(whole, 20000, order).groups.map((g) => [g.pattern, g.count]), [["TODO", 2]]);
  const typed = patched(whole, new Map([[A, [match(A, 0, 0, 4, "TODO a", "TODO"), match(A, 5, 0, 4, "TODO new", "TODO")]]]));
  assert.deepEqual(new MatchTree(typed, 20000, order).groups.map((g) => [g.pattern, g.count]), [["TODO", 3]]);
  // The search alone, or a list that names its patterns, as before.
  assert.deepEqual(withPatternIds([match(A, 0, 0, 4, "x")], ["search"])[0].pattern, "search");
  assert.deepEqual(withPatternIds([match(A, 0, 0, 4, "x")], [])[0].pattern, "search");
  assert.deepEqual(withPatternIds([match(A, 0, 0, 4, "x", "FIXME")], ["TODO", "FIXME"])[0].pattern, "FIXME");
});

test("Debounced fires within maxWait however often it is called", async () => {
  let runs = 0;
  const debounced = new Debounced(async () => {
    runs++;
  }, 30, 80);
  const started = Date.now();
  while (Date.now() - started < 200 && runs === 0) {
    debounced.schedule();
    await new Promise((done) => setTimeout(done, 10));
  }
  assert.equal(runs, 1); // without the max wait, the calls every 10 ms would keep postponing it
  debounced.dispose();
});

test("Search Whole Workspace with no folder open changes no settings (the user is told instead)", () => {
  assert.equal(scopeTarget("workspace", 0), undefined);
  assert.equal(scopeTarget("open", 0), "user");
  assert.equal(scopeTarget("workspace", 1), "workspace");
  assert.equal(scopeTarget("open", 2), "workspace");
});

test("the grepls view's words agree in number: 1 of 1 match holds the filter", () => {
  assert.equal(filterText(1, 1, "x"), '1 of 1 match holds "x".');
  assert.equal(filterText(2, 5, "x"), '2 of 5 matches hold "x".');
  assert.equal(filterText(0, 5, "x"), '0 of 5 matches hold "x".');
});
