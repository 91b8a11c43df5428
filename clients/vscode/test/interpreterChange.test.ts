// Restart on a change of the Python extension's interpreter, with a stand-in for that
// extension's environments API (an event we fire by hand).
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { EnvironmentPathChange, restartOnInterpreterChange } from "../src/interpreterChange";

/** The slice of the Python extension's `environments` API: onDidChangeActiveEnvironmentPath. */
function pythonExtensionStandIn() {
  const listeners = new Set<(change: EnvironmentPathChange) => unknown>();
  return {
    onDidChangeActiveEnvironmentPath: (listener: (change: EnvironmentPathChange) => unknown) => {
      listeners.add(listener);
      return { dispose: () => listeners.delete(listener) };
    },
    select(path: string) {
      listeners.forEach((listener) => listener({ path }));
    },
    get listeners() {
      return listeners.size;
    },
  };
}

test("a burst of interpreter changes restarts the server once, on the last interpreter", async () => {
  const python = pythonExtensionStandIn();
  const restarts: Array<string | undefined> = [];
  const watch = restartOnInterpreterChange(python.onDidChangeActiveEnvironmentPath, {
    followsPythonExtension: () => true,
    restart: (change) => restarts.push(change.path),
    delayMs: 30,
  });
  python.select("/venv-a/bin/python");
  python.select("/venv-b/bin/python");
  await sleep(10);
  python.select("/venv-c/bin/python");
  assert.deepEqual(restarts, [], "not before the events have stopped");
  await sleep(80);
  assert.deepEqual(restarts, ["/venv-c/bin/python"]);
  python.select("/venv-d/bin/python");
  await sleep(80);
  assert.deepEqual(restarts, ["/venv-c/bin/python", "/venv-d/bin/python"]);
  watch.dispose();
});

test("with grepls.interpreter set, a change of the Python extension's interpreter restarts nothing", async () => {
  const python = pythonExtensionStandIn();
  let explicitSetting = true;
  let restarts = 0;
  const watch = restartOnInterpreterChange(python.onDidChangeActiveEnvironmentPath, {
    followsPythonExtension: () => !explicitSetting,
    restart: () => restarts++,
    delayMs: 10,
  });
  python.select("/venv-a/bin/python");
  await sleep(50);
  assert.equal(restarts, 0);
  explicitSetting = false; // the user clears grepls.interpreter
  python.select("/venv-b/bin/python");
  await sleep(50);
  assert.equal(restarts, 1);
  watch.dispose();
});

test("dispose unsubscribes and cancels a restart that was due", async () => {
  const python = pythonExtensionStandIn();
  let restarts = 0;
  const watch = restartOnInterpreterChange(python.onDidChangeActiveEnvironmentPath, {
    followsPythonExtension: () => true,
    restart: () => restarts++,
    delayMs: 20,
  });
  assert.equal(python.listeners, 1);
  python.select("/venv-a/bin/python");
  watch.dispose();
  assert.equal(python.listeners, 0);
  await sleep(60);
  assert.equal(restarts, 0);
});
