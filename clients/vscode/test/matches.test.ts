// The diagnostics on their way to VS Code: grouped by pattern for the decorations, and patterns
// with diagnostics: false kept out of what VS Code shows, pushed or pulled.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import {
  groupByPattern,
  incompleteIds,
  isLinesAnswer,
  isPreviewAnswer,
  linesAround,
  MOST_LINES_AT_ONCE,
  patternOf,
  PatternMatches,
  previewText,
  Report,
  spansOf,
  withoutHidden,
  WorkspacePulls,
  WorkspaceReport,
} from "../src/matches";

type D = { code?: string | number | { value: string | number; target: unknown }; at: number };
const d = (code: string | undefined, at: number): D => ({ code, at });

test("a diagnostic belongs to the pattern its code names; no code is the search", () => {
  assert.equal(patternOf(d("TODO", 0)), "TODO");
  assert.equal(patternOf({ code: 7, at: 0 } as D), "7");
  assert.equal(patternOf({ code: { value: "FIXME", target: null }, at: 0 } as D), "FIXME");
  assert.equal(patternOf(d(undefined, 0)), "search");
});

test("diagnostics grouped by pattern, each group in the order received", () => {
  const groups = groupByPattern([d("TODO", 1), d("FIXME", 2), d("TODO", 3), d("search", 4)]);
  assert.deepEqual([...groups.keys()], ["TODO", "FIXME", "search"]);
  assert.deepEqual(groups.get("TODO")?.map((x) => x.at), [1, 3]);
});

test("hidden patterns are filtered out, the others kept in order", () => {
  const all = [d("a", 1), d("b", 2), d("a", 3), d("c", 4)];
  assert.deepEqual(withoutHidden(all, new Set(["a"])).map((x) => x.at), [2, 4]);
  assert.deepEqual(withoutHidden(all, new Set()).map((x) => x.at), [1, 2, 3, 4]);
});

test("push: VS Code gets the visible diagnostics, the store keeps all of them", () => {
  const store = new PatternMatches<D>();
  store.setHidden(["quiet"]);
  const changed: Array<string | undefined> = [];
  store.onDidChange((uri) => changed.push(uri));
  const shown = store.pushed("file:///a", [d("quiet", 1), d("loud", 2)]);
  assert.deepEqual(shown.map((x) => x.at), [2]);
  assert.deepEqual(store.all("file:///a").map((x) => x.at), [1, 2]);
  assert.deepEqual(changed, ["file:///a"]);
});

test("push: after the hidden set changes, each document is shown filtered anew", () => {
  const store = new PatternMatches<D>();
  store.pushed("file:///a", [d("quiet", 1), d("loud", 2)]);
  assert.equal(store.setHidden(["quiet"]), true);
  assert.equal(store.setHidden(["quiet"]), false, "the same set again changes nothing");
  assert.deepEqual(store.visibleNow("file:///a").map((x) => x.at), [2]);
  assert.deepEqual(store.visibleNow("file:///unknown"), []);
});

test("pull: a full report is filtered, an unchanged one passes through", () => {
  const store = new PatternMatches<D>();
  store.setHidden(["quiet"]);
  const full = store.pulled("file:///a", { kind: "full", resultId: "7", items: [d("quiet", 1), d("loud", 2)] });
  assert.equal(full.kind, "full");
  assert.deepEqual(full.kind === "full" && full.items.map((x) => x.at), [2]);
  assert.equal(full.resultId, "7");
  const unchanged: Report<D> = { kind: "unChanged", resultId: "7" };
  assert.deepEqual(store.pulled("file:///a", unchanged), unchanged);
  assert.deepEqual(store.all("file:///a").map((x) => x.at), [1, 2]);
});

test("pull: the first unchanged report after a filter change comes back full, filtered the new way", () => {
  const store = new PatternMatches<D>();
  store.pulled("file:///a", { kind: "full", resultId: "7", items: [d("quiet", 1), d("loud", 2)] });
  store.setHidden(["quiet"]);
  const refiltered = store.pulled("file:///a", { kind: "unChanged", resultId: "7" });
  assert.deepEqual(refiltered.kind === "full" && refiltered.items.map((x) => x.at), [2]);
  assert.equal(refiltered.resultId, "7");
  assert.equal(store.pulled("file:///a", { kind: "unChanged", resultId: "7" }).kind, "unChanged");
  // Shown again when the pattern comes back into the Problems panel.
  store.setHidden([]);
  const back = store.pulled("file:///a", { kind: "unChanged", resultId: "7" });
  assert.deepEqual(back.kind === "full" && back.items.map((x) => x.at), [1, 2]);
});

test("pull: an unchanged report for a result the store never saw passes through", () => {
  const store = new PatternMatches<D>();
  store.pulled("file:///a", { kind: "full", resultId: "7", items: [d("quiet", 1)] });
  store.setHidden(["quiet"]);
  const other: Report<D> = { kind: "unChanged", resultId: "6" };
  assert.deepEqual(store.pulled("file:///a", other), other);
  assert.deepEqual(store.pulled("file:///b", other), other);
});

type W = WorkspaceReport<D, string>;

test("workspace pull: a closed file's hidden pattern stays out of the Problems panel", async () => {
  const store = new PatternMatches<D>();
  store.setHidden(["quiet"]);
  const pulls = new WorkspacePulls<D, string>(store);
  const shown: W[][] = [];
  // vscode-languageclient's pull: the reports come through the reporter, the answer is empty.
  const answer = await pulls.provide([], undefined, (chunk) => chunk && shown.push(chunk.items), async (_ids, _token, reporter) => {
    reporter({ items: [{ kind: "full", uri: "file:///closed", version: null, resultId: "4", items: [d("quiet", 1), d("loud", 2)] }] });
    reporter(null);
    return { items: [] as W[] };
  });
  assert.deepEqual(answer, { items: [] });
  assert.equal(shown.length, 1);
  const [report] = shown[0];
  assert.equal(report.kind === "full" && report.resultId, "4");
  assert.deepEqual(report.kind === "full" && report.items.map((x) => x.at), [2]);
});

test("workspace pull: a change of the hidden set shows the closed files again, refiltered, through the pull under way", async () => {
  const store = new PatternMatches<D>();
  const pulls = new WorkspacePulls<D, string>(store);
  const shown: W[][] = [];
  const reporter = (chunk: { items: W[] } | null) => chunk && shown.push(chunk.items);
  await pulls.provide([], undefined, reporter, async (_ids, _token, report) => {
    report({ items: [{ kind: "full", uri: "file:///closed", version: null, resultId: "4", items: [d("quiet", 1), d("loud", 2)] }] });
    return { items: [] };
  });
  // The next pull is parked by the server (nothing new): the client reports through it.
  let answer: (value: { items: W[] }) => void = () => undefined;
  const parked = pulls.provide([], undefined, reporter, () => new Promise<{ items: W[] }>((resolve) => (answer = resolve)));
  store.setHidden(["quiet"]);
  pulls.refilter();
  assert.equal(shown.length, 2);
  assert.deepEqual(shown[1].map((r) => [r.uri, r.kind, r.resultId]), [["file:///closed", "full", "4"]]);
  assert.deepEqual(shown[1][0].kind === "full" && shown[1][0].items.map((x) => x.at), [2]);
  pulls.refilter();
  assert.equal(shown.length, 2, "once per change");
  answer({ items: [] });
  await parked;
  // Between two pulls: the next one starts with the refiltered reports.
  store.setHidden([]);
  pulls.refilter();
  assert.equal(shown.length, 2);
  await pulls.provide([], undefined, reporter, async () => ({ items: [] }));
  assert.deepEqual(shown[2][0].kind === "full" && shown[2][0].items.map((x) => x.at), [1, 2]);
});

test("workspace pull: an unchanged report for a file filtered with an older hidden set comes back full", async () => {
  const store = new PatternMatches<D>();
  const pulls = new WorkspacePulls<D, string>(store);
  const shown: W[] = [];
  const reporter = (chunk: { items: W[] } | null) => chunk && shown.push(...chunk.items);
  const pull = (items: W[], before = () => undefined as void) =>
    pulls.provide([], undefined, reporter, async (_ids, _token, report) => {
      before();
      report({ items });
      return { items: [] };
    });
  await pull([{ kind: "full", uri: "file:///closed", version: null, resultId: "4", items: [d("quiet", 1), d("loud", 2)] }]);
  const unchanged: W = { kind: "unChanged", uri: "file:///closed", version: null, resultId: "4" };
  await pull([unchanged], () => store.setHidden(["quiet"]));
  assert.deepEqual(shown[1].kind === "full" && shown[1].items.map((x) => x.at), [2]);
  await pull([unchanged]);
  assert.deepEqual(shown[2], unchanged, "afterwards it passes through");
});

test("a closed document and a new server leave nothing to paint, and say so", () => {
  const store = new PatternMatches<D>();
  const changed: Array<string | undefined> = [];
  store.pushed("file:///a", [d("x", 1)]);
  store.pushed("file:///b", [d("x", 1)]);
  store.onDidChange((uri) => changed.push(uri));
  store.forget("file:///a");
  store.forget("file:///never-seen");
  assert.deepEqual(store.uris(), ["file:///b"]);
  store.clear();
  assert.deepEqual(store.uris(), []);
  assert.deepEqual(changed, ["file:///a", undefined]);
});

test("matchesInLines answers are recognised, anything else is not", () => {
  assert.ok(isLinesAnswer({ version: 3, matches: { search: [0, 1, 5], TODO: [] } }));
  assert.ok(isLinesAnswer({ version: null, matches: {} }));
  assert.ok(!isLinesAnswer(null));
  assert.ok(!isLinesAnswer({ version: "3", matches: {} }));
  assert.ok(!isLinesAnswer({ version: 3, matches: { search: [0, 1] } }));
  assert.ok(!isLinesAnswer({ version: 3 }));
});

test("flat triples become one span each, in order", () => {
  assert.deepEqual(spansOf([15000, 0, 4, 15001, 2, 6]), [
    { line: 15000, start: 0, end: 4 },
    { line: 15001, start: 2, end: 6 },
  ]);
  assert.deepEqual(spansOf([]), []);
});

test("the lines asked for: the visible ones and a margin, within the document", () => {
  assert.deepEqual(linesAround([{ start: 500, end: 540 }], 100, 100_000), [400, 641]);
  assert.deepEqual(linesAround([{ start: 10, end: 20 }, { start: 300, end: 330 }], 5, 100_000), [5, 336]);
  assert.deepEqual(linesAround([{ start: 0, end: 30 }], 100, 12), [0, 12]);
  assert.equal(linesAround([], 100, 100), undefined);
  const folded = linesAround([{ start: 0, end: 10 }, { start: 50_000, end: 50_010 }], 0, 100_000);
  assert.deepEqual(folded, [0, MOST_LINES_AT_ONCE]);
});

test("a preview's answer is checked before it is painted, and its count read as the find widget's", () => {
  assert.ok(isPreviewAnswer({ version: 3, matches: [0, 1, 2], count: 1, complete: true }));
  assert.ok(isPreviewAnswer({ version: null, matches: [], count: 0, complete: true }));
  assert.ok(!isPreviewAnswer({ version: 3, matches: [0, 1], count: 1, complete: true }));
  assert.ok(!isPreviewAnswer({ version: 3, matches: { search: [] }, count: 0, complete: true }));
  assert.ok(!isPreviewAnswer({ version: 3, matches: [], count: "1", complete: true }));
  assert.ok(!isPreviewAnswer(null));
  assert.equal(previewText({ count: 0, complete: true }), "no match in this file");
  assert.equal(previewText({ count: 1, complete: true }), "1 match in this file");
  assert.equal(previewText({ count: 12, complete: true }), "12 matches in this file");
  assert.equal(previewText({ count: 1001, complete: false }), "1001+ matches in this file");
});

test("a pattern whose count in the file the server did not finish (over the cap) is told apart", () => {
  const answer = {
    version: 3,
    matches: {},
    counts: [
      { id: "search", pattern: "TODO", matches: 1001, complete: false },
      { id: "fixme", pattern: "FIXME", matches: 1000, complete: true },
    ],
  };
  assert.ok(isLinesAnswer(answer));
  assert.deepEqual([...incompleteIds(answer)], ["search"]);
  assert.deepEqual([...incompleteIds({ counts: undefined })], []);
});
