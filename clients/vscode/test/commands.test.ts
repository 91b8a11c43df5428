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
