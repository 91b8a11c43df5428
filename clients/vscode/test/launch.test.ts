// The launch command and environment built from an extension folder laid out like the .vsix.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { bundledVersions, launchSpec } from "../src/launch";

function fakeExtension(versions: string[]): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "grepls-ext-"));
  fs.mkdirSync(path.join(root, "bundled", "server", "grepls"), { recursive: true });
  for (const v of versions) {
    fs.mkdirSync(path.join(root, "bundled", "libs", v), { recursive: true });
  }
  return root;
}

test("runs -m grepls with the version's libs and the server first on PYTHONPATH", (t) => {
  const root = fakeExtension(["cp310", "cp311", "cp312"]);
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const spec = launchSpec(root, ["py", "-3.11"], { major: 3, minor: 11, micro: 2 }, { PYTHONPATH: "/mine", HOME: "/h" });
  assert.ok(!("error" in spec));
  assert.equal(spec.command, "py");
  assert.deepEqual(spec.args, ["-3.11", "-m", "grepls"]);
  assert.equal(
    spec.env.PYTHONPATH,
    [path.join(root, "bundled", "libs", "cp311"), path.join(root, "bundled", "server"), "/mine"].join(path.delimiter),
  );
  assert.equal(spec.env.HOME, "/h");
  assert.equal(spec.cwd, path.join(root, "bundled", "server"));
  assert.deepEqual(bundledVersions(root), ["3.10", "3.11", "3.12"]);
});

test("a Python version the build carries no libraries for is a clear error", (t) => {
  const root = fakeExtension(["cp311"]);
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const spec = launchSpec(root, ["python3"], { major: 3, minor: 13, micro: 0 }, {});
  assert.ok("error" in spec);
  assert.match(spec.error, /no libraries for Python 3\.13 \(it carries 3\.11\)/);
});
