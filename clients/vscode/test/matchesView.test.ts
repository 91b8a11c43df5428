// The grepls view (matchesView.ts) and the status bar over the vscode stand-in: what the status
// bar says of the workspace as the scope changes.
import { standIn } from "./vscodeStandIn";
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { PatternCatalog } from "../src/catalog";
import { MatchesView } from "../src/matchesView";
import { GreplsServer } from "../src/server";
import { PatternState } from "../src/state";
import { StatusBar } from "../src/statusBar";
import { EventEmitter } from "./vscodeStandIn";

const statusText = (): string => standIn.window.statusItem?.text ?? "";

test("Search Open Files Only with the grepls view hidden: the status bar stops counting the workspace at once", async () => {
  standIn.settings.scope = "workspace";
  const listed = Array.from({ length: 41 }, (_, i) => ({
    uri: `file:///w/f${i}.txt`,
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 4 } },
    text: "TODO",
  }));
  const server = {
    running: true,
    onDidScan: new EventEmitter().event,
    onDidStart: new EventEmitter().event,
    listAllMatches: async () => listed,
    listPatterns: async () => [{ id: "search" }],
  } as unknown as GreplsServer;
  const catalog = { onDidChange: new EventEmitter().event, entries: () => [], label: (id: string) => id } as unknown as PatternCatalog;
  const state = new PatternState({ pattern: "TODO", flags: { regex: false, caseSensitive: true, wholeWord: false } });
  const view = new MatchesView(server, catalog, state);
  standIn.window.activeTextEditor = { document: { uri: { toString: () => "file:///w/open.txt" } } };
  const counts = { counts: () => [{ id: "search", label: "search", count: 3, complete: true }], onDidChange: new EventEmitter().event };
  const bar = new StatusBar(state, counts, view);
  for (let i = 0; i < 50 && !statusText().includes("in workspace"); i++) {
    await sleep(50); // the view's debounced fetch
  }
  assert.equal(standIn.window.statusItem?.text, "$(search) TODO: 3 · 41 in workspace");
  // Search Open Files Only writes the setting; VS Code tells of the change.
  standIn.settings.scope = "open";
  standIn.events.configuration.fire({ affectsConfiguration: (section) => ["grepls", "grepls.scope"].includes(section) });
  assert.equal(standIn.window.statusItem?.text, "$(search) TODO: 3");
  // And back: the open files' list is not taken for the workspace's; the next fetch counts it.
  standIn.settings.scope = "workspace";
  standIn.events.configuration.fire({ affectsConfiguration: (section) => ["grepls", "grepls.scope"].includes(section) });
  assert.equal(standIn.window.statusItem?.text, "$(search) TODO: 3");
  for (let i = 0; i < 50 && !statusText().includes("in workspace"); i++) {
    await sleep(50);
  }
  assert.equal(standIn.window.statusItem?.text, "$(search) TODO: 3 · 41 in workspace");
  view.dispose();
  bar.dispose();
});
