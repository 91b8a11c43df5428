// The palette commands (commands.ts) over the vscode stand-in, with a fake server.
import { editor, standIn } from "./vscodeStandIn";
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import * as vscode from "vscode";
import { PatternCatalog } from "../src/catalog";
import { Commands } from "../src/commands";
import { PatternMatches } from "../src/matches";
import { GreplsServer } from "../src/server";
import { PatternState } from "../src/state";

const context = { globalState: { get: (_key: string, fallback: unknown) => fallback, update: async () => undefined } };

function commands(server: Partial<GreplsServer>, state: PatternState, catalog: Partial<PatternCatalog> = {}): void {
  const all = new Commands(
    context as unknown as vscode.ExtensionContext,
    server as GreplsServer,
    state,
    catalog as PatternCatalog,
    new PatternMatches<vscode.Diagnostic>(),
  );
  all.register();
}

const run = (id: string) => standIn.commands.get(id)?.() as Promise<void>;

test("Toggle Regex twice in quick succession leaves regex off, as the server was last told", async () => {
  const state = new PatternState({ pattern: "a.c", flags: { regex: false, caseSensitive: true, wholeWord: false } });
  const sent: boolean[] = [];
  commands(
    {
      setPattern: async (query) => {
        sent.push(query.regex);
        await sleep(20); // a big file, or a workspace scan starting
        return { pattern: query.pattern, matches: 1 };
      },
    },
    state,
  );
  await Promise.all([run("grepls.ui.toggleRegex"), run("grepls.ui.toggleRegex")]);
  assert.deepEqual(sent, [true, false]);
  assert.equal(state.flags.regex, false);
  // A refused toggle changes nothing, and the next one still runs.
  let refuse = true;
  commands(
    {
      setPattern: async (query) => {
        if (refuse) {
          refuse = false;
          throw new Error("invalid pattern");
        }
        return { pattern: query.pattern, matches: 1 };
      },
    },
    state,
  );
  await Promise.all([run("grepls.ui.toggleWholeWord"), run("grepls.ui.toggleWholeWord")]);
  assert.equal(state.flags.wholeWord, true);
  assert.deepEqual(standIn.window.errors, ["grepls: invalid pattern"]);
});

test("Show Matches on a diff's git: side or a notebook cell says there are none, quietly, like Next Match", async () => {
  const state = new PatternState({ pattern: "TODO", flags: { regex: false, caseSensitive: true, wholeWord: false } });
  const catalog = { entries: () => [], counts: () => [], label: (id: string) => id };
  commands(
    {
      listMatches: async (uri) => {
        throw new Error(`grepls.listMatches: ${uri.toString()} is not an open document`);
      },
    },
    state,
    catalog as unknown as PatternCatalog,
  );
  standIn.window.errors.length = 0;
  for (const uri of ["git:/w/a.txt?%7B%7D", "vscode-notebook-cell:/w/n.ipynb#X1"]) {
    standIn.window.activeTextEditor = editor(uri);
    standIn.window.statusMessages.length = 0;
    await run("grepls.ui.showMatches");
    assert.deepEqual(standIn.window.errors, []);
    assert.deepEqual(standIn.window.statusMessages, ["grepls: no matches in this document"]);
  }
});

test("Show Matches in a file without a match names the search: 0 matches of \"TODO\"", async () => {
  const state = new PatternState({ pattern: "TODO", flags: { regex: false, caseSensitive: true, wholeWord: false } });
  const entries: Array<{ id: string }> = [];
  const catalog = { entries: () => entries, counts: () => [], label: (id: string) => (id === "search" ? "search" : `"${id}"`) };
  commands({ listMatches: async () => [] }, state, catalog as unknown as PatternCatalog);
  const title = async () => {
    standIn.window.activeTextEditor = editor("file:///w/a.txt");
    standIn.window.picks.length = 0;
    const shown = run("grepls.ui.showMatches");
    await sleep(0);
    const pick = standIn.window.picks[0];
    pick.hide();
    await shown;
    return pick.title;
  };
  assert.equal(await title(), 'grepls: 0 matches of "TODO"');
  entries.push({ id: "FIXME" });
  assert.equal(await title(), "grepls: 0 matches of 2 patterns");
  state.update(null);
  assert.equal(await title(), 'grepls: 0 matches of "FIXME"');
});
