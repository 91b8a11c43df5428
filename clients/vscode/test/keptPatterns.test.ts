// Patterns added from the palette, kept in the workspace state: what a later session finds.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { KEPT_PATTERNS_KEY, KeptPatterns, Memento, restoreKept } from "../src/keptPatterns";

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
