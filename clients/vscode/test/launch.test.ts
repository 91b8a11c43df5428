// The launch command and environment built from an extension folder laid out like the .vsix.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { bundledVersions, launchSpec, vscodeRipgrepFolder } from "../src/launch";

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

test("VS Code's own rg goes last on the server's PATH, so the user's rg still wins", (t) => {
  const root = fakeExtension(["cp312"]);
  const app = fs.mkdtempSync(path.join(os.tmpdir(), "grepls-app-"));
  t.after(() => {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(app, { recursive: true, force: true });
  });
  assert.equal(vscodeRipgrepFolder(app, "linux"), undefined);
  const bin = path.join(app, "node_modules", "@vscode", "ripgrep", "bin");
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(path.join(bin, "rg"), "");
  assert.equal(vscodeRipgrepFolder(app, "linux"), bin);
  assert.equal(vscodeRipgrepFolder(app, "win32"), undefined); // rg.exe there
  const version = { major: 3, minor: 12, micro: 0 };
  const spec = launchSpec(root, ["python3"], version, { PATH: "/usr/bin" }, bin);
  assert.ok(!("error" in spec));
  assert.equal(spec.env.PATH, ["/usr/bin", bin].join(path.delimiter));
  // Windows spells it Path; no second variable is made.
  const windows = launchSpec(root, ["python3"], version, { Path: "C:\\bin" }, bin);
  assert.ok(!("error" in windows));
  assert.equal(windows.env.Path, ["C:\\bin", bin].join(path.delimiter));
  assert.equal(windows.env.PATH, undefined);
  const unchanged = launchSpec(root, ["python3"], version, { PATH: "/usr/bin" });
  assert.ok(!("error" in unchanged));
  assert.equal(unchanged.env.PATH, "/usr/bin");
});
