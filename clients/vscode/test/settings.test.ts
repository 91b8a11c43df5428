// Settings mapping: what the server is sent for whatever a user typed into settings.json.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { DEFAULTS, describeQuery, queryFromSettings, serverPayload, serverSettings } from "../src/settings";

test("defaults when nothing is set", () => {
  assert.deepEqual(serverSettings({}), DEFAULTS);
  assert.deepEqual(serverPayload(serverSettings({})), {
    regex: false,
    caseSensitive: true,
    wholeWord: false,
    severity: "information",
    maxMatchesPerDocument: 10000,
  });
});

test("values of the right type are kept; interpreter is never sent to the server", () => {
  const settings = serverSettings({
    pattern: "TOD+",
    regex: true,
    caseSensitive: false,
    wholeWord: true,
    severity: "hint",
    maxMatchesPerDocument: 50,
    interpreter: ["/usr/bin/python3"],
  });
  assert.deepEqual(serverPayload(settings), {
    pattern: "TOD+",
    regex: true,
    caseSensitive: false,
    wholeWord: true,
    severity: "hint",
    maxMatchesPerDocument: 50,
  });
});

test("values of the wrong type fall back to the defaults", () => {
  const settings = serverSettings({
    pattern: 12,
    regex: "yes",
    caseSensitive: null,
    severity: "fatal",
    maxMatchesPerDocument: -3,
  });
  assert.deepEqual(settings, DEFAULTS);
  assert.equal(serverSettings({ maxMatchesPerDocument: 2.5 }).maxMatchesPerDocument, 10000);
  assert.equal(serverSettings({ pattern: "" }).pattern, null);
});

test("reads through a get() accessor like VS Code's WorkspaceConfiguration", () => {
  const values: Record<string, unknown> = { pattern: "FIXME", severity: "warning" };
  const settings = serverSettings({ get: (key: string) => values[key] });
  assert.equal(settings.pattern, "FIXME");
  assert.equal(settings.severity, "warning");
});

test("the query for grepls.setPattern and its description", () => {
  assert.equal(queryFromSettings(DEFAULTS), undefined);
  const query = queryFromSettings({ ...DEFAULTS, pattern: "x+", regex: true, caseSensitive: false });
  assert.deepEqual(query, { pattern: "x+", regex: true, caseSensitive: false, wholeWord: false });
  assert.equal(describeQuery(query!), "/x+/ (ignore case)");
  assert.equal(describeQuery({ pattern: "TODO", regex: false, caseSensitive: true, wholeWord: true }), '"TODO" (whole word)');
});
