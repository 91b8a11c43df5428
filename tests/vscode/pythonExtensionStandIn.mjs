// A stand-in for the Python extension (ms-python.python), which cannot be installed here (no
// marketplace). It is not the thing under test: it only offers the slice of the Python
// extension's API that grepls asks (`environments.getActiveEnvironmentPath`, `resolveEnvironment`
// and `onDidChangeActiveEnvironmentPath`), and names as the "active interpreter" a small wrapper
// around python3 that appends each command line it runs to a marker file. If the marker shows
// `-m grepls`, grepls started its server with the interpreter the Python extension chose.
//
// Its command "Python Stand-in: Select Other Interpreter" makes a second wrapper the active
// interpreter (its marker lines start with "other:") and fires onDidChangeActiveEnvironmentPath,
// as the real extension does when the user picks an interpreter.

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export function buildPythonExtensionStandIn(dir, vsce) {
  const source = path.join(dir, "source");
  fs.mkdirSync(source, { recursive: true });
  const marker = path.join(dir, "interpreter-used.txt");
  const wrapper = path.join(dir, "python-from-python-extension");
  fs.writeFileSync(wrapper, `#!/bin/sh\necho "$*" >> '${marker}'\nexec python3 "$@"\n`, { mode: 0o755 });
  const other = path.join(dir, "other-python-from-python-extension");
  fs.writeFileSync(other, `#!/bin/sh\necho "other: $*" >> '${marker}'\nexec python3 "$@"\n`, { mode: 0o755 });

  fs.writeFileSync(
    path.join(source, "package.json"),
    JSON.stringify(
      {
        name: "python",
        publisher: "ms-python",
        displayName: "Python API stand-in for the grepls tests",
        description: "Offers the environments API slice grepls uses.",
        version: "0.0.1",
        license: "MIT",
        engines: { vscode: "^1.80.0" },
        main: "./extension.js",
        activationEvents: [],
        contributes: {
          commands: [{ command: "pythonStandIn.selectOther", title: "Python Stand-in: Select Other Interpreter" }],
        },
      },
      null,
      2,
    ),
  );
  fs.writeFileSync(path.join(source, "README.md"), "Python API stand-in used by the grepls VS Code tests.\n");
  fs.writeFileSync(
    path.join(source, "extension.js"),
    `const vscode = require("vscode");
let interpreter = ${JSON.stringify(wrapper)};
const changed = new vscode.EventEmitter();
exports.activate = (context) => {
  context.subscriptions.push(
    vscode.commands.registerCommand("pythonStandIn.selectOther", () => {
      interpreter = ${JSON.stringify(other)};
      changed.fire({ id: interpreter, path: interpreter, resource: undefined });
    }),
  );
  return {
    environments: {
      getActiveEnvironmentPath: () => ({ id: interpreter, path: interpreter }),
      resolveEnvironment: async () => ({ executable: { uri: vscode.Uri.file(interpreter) } }),
      onDidChangeActiveEnvironmentPath: changed.event,
    },
  };
};
`,
  );
  const vsix = path.join(dir, "python-stand-in.vsix");
  const result = spawnSync(
    vsce,
    ["package", "--allow-missing-repository", "--skip-license", "--out", vsix],
    { cwd: source, encoding: "utf8", timeout: 60_000 },
  );
  if (result.status !== 0) {
    throw new Error(`packaging the Python extension stand-in failed:\n${result.stdout}\n${result.stderr}`);
  }
  return { vsix, marker };
}
