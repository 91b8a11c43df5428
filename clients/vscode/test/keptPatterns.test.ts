// Patterns added from the palette, kept in the workspace state and grepls's kept-patterns file:
// what a later session finds.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { KEPT_PATTERNS_KEY, KeptPatterns, keptPatternsFile, Memento, restoreKept } from "../src/keptPatterns";

/** VS Code's Memento as far as the store uses it; values go through JSON, as VS Code's do. */
class FakeMemento implements Memento {
  readonly values = new Map<string, string>();
  get<T>(key: string): T | undefined {
    const raw = this.values.get(key);
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }
  async update(key: string, value: unknown): Promise<void> {
    this.values.set(key, JSON.stringify(value));
  }
}

test("nothing kept yet: an empty list", () => {
  assert.deepEqual(new KeptPatterns(new FakeMemento()).list(), []);
});

test("kept patterns are there in the next session, in the order they were added, with their ids", async () => {
  const memento = new FakeMemento();
  const store = new KeptPatterns(memento);
  await store.put({ pattern: "TODO", caseSensitive: false, color: "blue" });
  await store.put({ pattern: "GH-\\d+", regex: true, id: "tickets", severity: "hint", diagnostics: false });
  const later = new KeptPatterns(memento); // a reloaded window reads the same workspace state
  assert.deepEqual(later.list(), [
    { pattern: "TODO", caseSensitive: false, color: "blue", id: "TODO" },
    { pattern: "GH-\\d+", regex: true, id: "tickets", severity: "hint", diagnostics: false },
  ]);
  assert.ok(later.has("tickets"));
});

test("adding an id that is kept already replaces that entry where it stands", async () => {
  const store = new KeptPatterns(new FakeMemento());
  await store.put({ pattern: "a" });
  await store.put({ pattern: "b" });
  await store.put({ pattern: "a", color: "red" });
  assert.deepEqual(store.list().map((e) => [e.id, e.color]), [["a", "red"], ["b", undefined]]);
});

test("removing forgets an entry; removing an unknown id changes nothing", async () => {
  const store = new KeptPatterns(new FakeMemento());
  await store.put({ pattern: "a" });
  await store.put({ pattern: "b" });
  assert.equal(await store.remove("a"), true);
  assert.equal(await store.remove("zzz"), false);
  assert.deepEqual(store.list().map((e) => e.id), ["b"]);
});

test("an unreadable workspace state reads as what can be read of it", () => {
  const memento = new FakeMemento();
  memento.values.set(KEPT_PATTERNS_KEY, JSON.stringify([{ pattern: "ok" }, 3, { regex: true }, null]));
  assert.deepEqual(new KeptPatterns(memento).list(), [{ pattern: "ok", id: "ok" }]);
  memento.values.set(KEPT_PATTERNS_KEY, JSON.stringify({ not: "a list" }));
  assert.deepEqual(new KeptPatterns(memento).list(), []);
});

test("after a start every kept pattern is sent again, in order; a refused one does not stop the rest", async () => {
  const sent: string[] = [];
  const refused: string[] = [];
  const server = {
    running: true,
    async addPattern(entry: { pattern: string }) {
      sent.push(entry.pattern);
      if (entry.pattern === "a(") {
        throw new Error("invalid regex");
      }
    },
  };
  await restoreKept([{ pattern: "TODO" }, { pattern: "a(", regex: true }, { pattern: "FIXME" }], server, (entry) =>
    refused.push(entry.pattern),
  );
  assert.deepEqual(sent, ["TODO", "a(", "FIXME"]);
  assert.deepEqual(refused, ["a("]);
});

test("a server stopped while the kept patterns are sent is sent no more (the next start sends them)", async () => {
  const sent: string[] = [];
  const server = {
    running: true,
    async addPattern(entry: { pattern: string }) {
      sent.push(entry.pattern);
      server.running = false; // a restart began
    },
  };
  await restoreKept([{ pattern: "a" }, { pattern: "b" }], server, () => assert.fail("nothing refused"));
  assert.deepEqual(sent, ["a"]);
});

// ---- the kept-patterns file shared with grepls's Neovim, Vim and Emacs clients ----

/** A fresh kept-patterns file, and the store of a workspace whose folder is `folder`. */
function sharedStore(memento = new FakeMemento(), file = freshFile(), folder = "/home/me/project") {
  const warnings: string[] = [];
  const store = new KeptPatterns(memento, { file, folder, warn: (message) => warnings.push(message) });
  return { store, memento, file, folder, warnings };
}

function freshFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), "grepls-kept-")), "state", "grepls", "kept-patterns.json");
}

function readFile(file: string): unknown {
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

test("the kept-patterns file is under XDG_STATE_HOME, else ~/.local/state, as the other clients look for it", () => {
  assert.equal(keptPatternsFile({ XDG_STATE_HOME: "/s" }, "/home/me"), "/s/grepls/kept-patterns.json");
  assert.equal(keptPatternsFile({}, "/home/me"), "/home/me/.local/state/grepls/kept-patterns.json");
  assert.equal(keptPatternsFile({ XDG_STATE_HOME: "" }, "/home/me"), "/home/me/.local/state/grepls/kept-patterns.json");
});

test("a pattern kept in VS Code is written to the file under the folder, as the server is sent it; VS Code's keys stay out", async () => {
  const { store, file, folder } = sharedStore();
  await store.put({ pattern: "TODO", severity: "error", color: "green", diagnostics: false });
  await store.put({ pattern: "GH-\\d+", regex: true, id: "tickets" });
  assert.deepEqual(readFile(file), {
    [folder]: [{ pattern: "TODO", severity: "error" }, { pattern: "GH-\\d+", regex: true, id: "tickets" }],
  });
  assert.deepEqual(store.list(), [
    { pattern: "TODO", severity: "error", id: "TODO", color: "green", diagnostics: false },
    { pattern: "GH-\\d+", regex: true, id: "tickets" },
  ]);
  assert.equal(await store.remove("TODO"), true);
  assert.deepEqual(readFile(file), { [folder]: [{ pattern: "GH-\\d+", regex: true, id: "tickets" }] });
  await store.remove("tickets");
  assert.deepEqual(readFile(file), {}); // a folder with nothing kept leaves no entry
});

test("patterns another editor kept come back, in the file's order; one it dropped goes, colours stay VS Code's", async () => {
  const { store, memento, file, folder } = sharedStore();
  await store.put({ pattern: "TODO", color: "green" });
  await store.put({ pattern: "XXX" });
  // Vim, on the same project meanwhile: drops XXX, keeps a regex; another project is untouched.
  fs.writeFileSync(
    file,
    JSON.stringify({ "/elsewhere": [{ pattern: "no" }], [folder]: [{ pattern: "TODO" }, { pattern: "T.DO", regex: true }] }),
  );
  store.load(); // at the next start of the server
  assert.deepEqual(store.list(), [
    { pattern: "TODO", id: "TODO", color: "green" },
    { pattern: "T.DO", regex: true, id: "T.DO" },
  ]);
  // A later window of this workspace reads the same.
  assert.deepEqual(new KeptPatterns(memento, { file, folder, warn: assert.fail }).list().map((e) => e.id), ["TODO", "T.DO"]);
});

test("each change writes only itself: what another editor changed meanwhile stays", async () => {
  const { store, file, folder } = sharedStore();
  await store.put({ pattern: "A" });
  fs.writeFileSync(file, JSON.stringify({ [folder]: [{ pattern: "A" }, { pattern: "FromVim" }] }));
  await store.put({ pattern: "B" }); // not loaded since: the store has not seen FromVim yet
  await store.remove("A");
  assert.deepEqual(readFile(file), { [folder]: [{ pattern: "FromVim" }, { pattern: "B" }] });
});

test("what a workspace kept before the file was shared is written to it once", async () => {
  const memento = new FakeMemento();
  const before = new KeptPatterns(memento); // no folder: the workspace state alone, as before
  await before.put({ pattern: "OLD", color: "blue" });
  const file = freshFile();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ "/p": [{ pattern: "NEOVIM" }] }));
  const { store } = sharedStore(memento, file, "/p");
  assert.deepEqual(readFile(file), { "/p": [{ pattern: "NEOVIM" }, { pattern: "OLD" }] });
  assert.deepEqual(store.list(), [{ pattern: "NEOVIM", id: "NEOVIM" }, { pattern: "OLD", id: "OLD", color: "blue" }]);
  await store.remove("OLD");
  // Once only: a pattern dropped since, elsewhere or here, is not written back.
  sharedStore(memento, file, "/p");
  assert.deepEqual(readFile(file), { "/p": [{ pattern: "NEOVIM" }] });
});

test("a damaged file is told, left as it is, and the pattern kept for the session; mended, it is read again", async () => {
  const file = freshFile();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const damaged = '{"/other": [{"pattern": "KEEPME"}], "/p": [{"pattern": "X"}],';
  fs.writeFileSync(file, damaged);
  const { store, warnings } = sharedStore(new FakeMemento(), file, "/p");
  assert.deepEqual(store.list(), []);
  await store.put({ pattern: "TODO" });
  assert.equal(fs.readFileSync(file, "utf8"), damaged); // every other project's patterns stay
  assert.deepEqual(store.list().map((e) => e.id), ["TODO"]);
  assert.equal(warnings.length, 2); // unreadable (told once), and the write refused
  assert.match(warnings[0], /is not valid JSON/);
  fs.writeFileSync(file, damaged.slice(0, -1) + "}");
  store.load();
  assert.deepEqual(store.list().map((e) => e.id), ["X"]);
  assert.deepEqual(fs.readdirSync(path.dirname(file)), [path.basename(file)]); // no temporary file left
});

test("a file that cannot be written is told and the pattern kept for the session", async () => {
  const blocked = path.join(freshFile(), "below-a-file.json"); // its folder cannot be made
  fs.mkdirSync(path.dirname(path.dirname(blocked)), { recursive: true });
  fs.writeFileSync(path.dirname(blocked), "a file, not a folder");
  const { store, warnings } = sharedStore(new FakeMemento(), blocked);
  await store.put({ pattern: "TODO" });
  assert.deepEqual(store.list().map((e) => e.id), ["TODO"]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /could not write/);
});

test("a pattern kept again under its id is replaced in the file where it stands", async () => {
  const { store, file, folder } = sharedStore();
  await store.put({ pattern: "a" });
  await store.put({ pattern: "b" });
  await store.put({ pattern: "a", severity: "hint" });
  assert.deepEqual(readFile(file), { [folder]: [{ pattern: "a", severity: "hint" }, { pattern: "b" }] });
});

test("a workspace's earlier patterns that cannot be written to the file are still listed, and tried again", async () => {
  const memento = new FakeMemento();
  await new KeptPatterns(memento).put({ pattern: "OLD" });
  const blocked = path.join(freshFile(), "below-a-file.json");
  fs.mkdirSync(path.dirname(path.dirname(blocked)), { recursive: true });
  fs.writeFileSync(path.dirname(blocked), "a file, not a folder");
  const { store, warnings } = sharedStore(memento, blocked);
  assert.deepEqual(store.list().map((e) => e.id), ["OLD"]);
  assert.equal(warnings.length, 1);
  fs.rmSync(path.dirname(blocked)); // the way is clear at the next start
  store.load();
  assert.deepEqual(readFile(blocked), { "/home/me/project": [{ pattern: "OLD" }] });
});

test("the file is written under the lock the other editors take; one left by a session that died is taken over", async () => {
  const { store, file, folder } = sharedStore();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.mkdirSync(`${file}.lock`); // as a Neovim that died while saving leaves it
  const started = Date.now();
  await store.put({ pattern: "TODO" });
  assert.ok(Date.now() - started >= 1_900, "the lock was waited for");
  assert.deepEqual(readFile(file), { [folder]: [{ pattern: "TODO" }] });
  assert.equal(fs.existsSync(`${file}.lock`), false);
});
