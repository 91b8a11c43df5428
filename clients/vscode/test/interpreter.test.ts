// Interpreter discovery: the order of candidates, the version rule, and real probes of real
// programs (this machine's python3, and small scripts standing in for a too-old or broken Python).
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import {
  candidates,
  discover,
  interpreterFromSetting,
  isSupported,
  parseProbeOutput,
  Probe,
  probeByRunning,
} from "../src/interpreter";

test("setting: string is one path (spaces kept), array is program plus arguments, blank is unset", () => {
  assert.deepEqual(interpreterFromSetting("/opt/my python/bin/python3"), ["/opt/my python/bin/python3"]);
  assert.deepEqual(interpreterFromSetting(["py", "-3.12"]), ["py", "-3.12"]);
  assert.equal(interpreterFromSetting(""), undefined);
  assert.equal(interpreterFromSetting([]), undefined);
  assert.equal(interpreterFromSetting(["", "  "]), undefined);
  assert.equal(interpreterFromSetting(42), undefined);
});

test("candidates: an explicit setting is the only candidate", () => {
  const list = candidates(["/usr/bin/python3.12"], ["/venv/bin/python"]);
  assert.deepEqual(list, [{ command: ["/usr/bin/python3.12"], origin: "setting" }]);
});

test("candidates: the Python extension's interpreter comes before PATH", () => {
  const list = candidates(undefined, ["/venv/bin/python"]);
  assert.equal(list[0].origin, "python extension");
  assert.deepEqual(list[0].command, ["/venv/bin/python"]);
  assert.ok(list.slice(1).every((c) => c.origin === "PATH"));
  assert.ok(list.length >= 2);
});

test("version parsing and the 3.10 minimum", () => {
  const parsed = parseProbeOutput("3.11.7 /usr/bin/python3.11\n");
  assert.deepEqual(parsed, { version: { major: 3, minor: 11, micro: 7 }, executable: "/usr/bin/python3.11" });
  assert.equal(parseProbeOutput("Python is great"), undefined);
  assert.equal(isSupported({ major: 3, minor: 9, micro: 18 }), false);
  assert.equal(isSupported({ major: 3, minor: 10, micro: 0 }), true);
  assert.equal(isSupported({ major: 4, minor: 0, micro: 0 }), true);
});

test("discover: skips an old Python found on the way and takes the next", async () => {
  const answers: Record<string, Awaited<ReturnType<Probe>>> = {
    old: { ok: true, version: { major: 3, minor: 8, micro: 10 }, executable: "/old" },
    good: { ok: true, version: { major: 3, minor: 12, micro: 1 }, executable: "/good" },
  };
  const probe: Probe = async ([program]) => answers[program] ?? { ok: false, error: "not found" };
  const found = await discover(
    [
      { command: ["old"], origin: "python extension" },
      { command: ["missing"], origin: "PATH" },
      { command: ["good"], origin: "PATH" },
    ],
    probe,
  );
  assert.ok(found.ok);
  assert.equal(found.executable, "/good");
});

test("discover: a broken explicit setting is reported, not replaced by another Python", async () => {
  const probed: string[] = [];
  const probe: Probe = async ([program]) => {
    probed.push(program);
    return { ok: false, error: "not found" };
  };
  const found = await discover(candidates("/nope/python", undefined), probe);
  assert.equal(found.ok, false);
  assert.deepEqual(probed, ["/nope/python"]);
  assert.match((found as { message: string }).message, /\/nope\/python \(setting\): not found/);
  assert.match((found as { message: string }).message, /grepls\.interpreter/);
});

test("real probe: this machine's python3 runs and reports its version", async () => {
  const result = await probeByRunning()(["python3"]);
  assert.ok(result.ok, JSON.stringify(result));
  assert.equal(result.version.major, 3);
  assert.ok(fs.existsSync(result.executable));
});

test("real probe: a missing program, a too-old Python and a hanging one", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "grepls-interp-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const oldPython = path.join(dir, "python3.8");
  fs.writeFileSync(oldPython, "#!/bin/sh\necho 3.8.10 /usr/bin/python3.8\n", { mode: 0o755 });
  const hanging = path.join(dir, "python-hangs");
  fs.writeFileSync(hanging, "#!/bin/sh\nexec sleep 30\n", { mode: 0o755 });

  const missing = await probeByRunning()([path.join(dir, "no-such-python")]);
  assert.deepEqual(missing, { ok: false, error: "not found" });

  const found = await discover([{ command: [oldPython], origin: "setting" }], probeByRunning());
  assert.equal(found.ok, false);
  assert.match((found as { message: string }).message, /is Python 3\.8\.10, older than 3\.10/);

  const started = Date.now();
  const hung = await probeByRunning(500)([hanging]);
  assert.equal(hung.ok, false);
  assert.ok(Date.now() - started < 10_000);
});
