// Settings mapping: what the server is sent for whatever a user typed into settings.json, and
// what the UI makes of it.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import {
  confirmReplaceAbove,
  countText,
  DEFAULTS,
  describeQuery,
  matchCount,
  patternSettings,
  searchAfterChange,
  serverPayload,
} from "../src/settings";

test("nothing set: nothing sent, so the server's defaults apply", () => {
  assert.deepEqual(serverPayload({}), {});
});

test("the UI's defaults are package.json's", () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8"));
  const properties = manifest.contributes.configuration.properties;
  const keys = ["pattern", "patterns", "regex", "caseSensitive", "wholeWord", "severity", "maxMatchesPerDocument"];
  for (const key of [...keys, "scope", "exclude", "maxFileSize", "maxWorkspaceMatches"]) {
    assert.ok(`grepls.${key}` in properties, `package.json declares grepls.${key}`);
    assert.deepEqual(DEFAULTS[key], properties[`grepls.${key}`].default, key);
  }
});

test("VS Code's answer (package.json defaults filled in) is sent as it is, without interpreter or trace", () => {
  const payload = serverPayload({
    pattern: "TOD+",
    regex: true,
    caseSensitive: false,
    wholeWord: true,
    severity: "hint",
    maxMatchesPerDocument: 50,
    interpreter: ["/usr/bin/python3"],
    trace: { server: "messages" },
  });
  assert.deepEqual(payload, {
    pattern: "TOD+",
    regex: true,
    caseSensitive: false,
    wholeWord: true,
    severity: "hint",
    maxMatchesPerDocument: 50,
  });
});

test("patterns go to the server as written, the client's own keys (color, diagnostics) included", () => {
  const patterns = [{ pattern: "TODO", color: "blue", diagnostics: false }, { pattern: "a(", regex: true }, "junk"];
  assert.deepEqual(serverPayload({ patterns }), { patterns });
});

test("the workspace settings are sent too", () => {
  const workspace = { scope: "workspace", exclude: ["vendor/**"], maxFileSize: 4096, maxWorkspaceMatches: 50 };
  assert.deepEqual(serverPayload({ ...workspace, interpreter: "python3" }), workspace);
});

test("bad values reach the server unchanged, so its message can name them", () => {
  const bad = { pattern: 12, regex: "yes", caseSensitive: null, severity: "loud", maxMatchesPerDocument: -3 };
  assert.deepEqual(serverPayload(bad), bad);
  assert.deepEqual(serverPayload({ maxMatchesPerDocument: 2.5 }), { maxMatchesPerDocument: 2.5 });
});

test("the UI reads a bad pattern setting as its default, like the server does", () => {
  const settings = patternSettings({ pattern: 12, regex: "yes", caseSensitive: null, wholeWord: 1 });
  assert.deepEqual(settings, { pattern: null, flags: { regex: false, caseSensitive: true, wholeWord: false } });
  assert.equal(patternSettings({ pattern: "" }).pattern, null);
});

test("Settings' regex, match case, whole word change the search only with grepls.pattern set, as in the server", () => {
  const flags = { regex: false, caseSensitive: true, wholeWord: false };
  const unset = { pattern: null, flags };
  // No grepls.pattern: the server ignores the flags; the search set in the UI stays as it is.
  assert.equal(searchAfterChange(unset, { pattern: null, flags: { ...flags, regex: true } }), undefined);
  assert.equal(searchAfterChange(unset, { pattern: null, flags: { ...flags, wholeWord: true } }), undefined);
  // grepls.pattern set, or its flags changed: that is the search now.
  assert.deepEqual(searchAfterChange(unset, { pattern: "TODO", flags }), { pattern: "TODO", ...flags });
  const todo = { pattern: "TODO", flags };
  assert.deepEqual(searchAfterChange(todo, { pattern: "TODO", flags: { ...flags, caseSensitive: false } }), {
    pattern: "TODO",
    ...flags,
    caseSensitive: false,
  });
  // Nothing the server sees changed, or grepls.pattern removed, or a regex it refuses: no change.
  assert.equal(searchAfterChange(todo, { pattern: "TODO", flags: { ...flags } }), undefined);
  assert.equal(searchAfterChange(todo, { pattern: null, flags }), undefined);
  assert.equal(searchAfterChange(todo, { pattern: "a(", flags: { ...flags, regex: true } }), undefined);
});

test("confirmReplaceAbove is read as the server reads it: a bad value is the default 100", () => {
  assert.equal(confirmReplaceAbove(3), 3);
  assert.equal(confirmReplaceAbove(0), 0);
  for (const bad of [-3, "x", 2.5, true, null, undefined]) {
    assert.equal(confirmReplaceAbove(bad), 100, String(bad));
  }
  assert.equal(DEFAULTS.confirmReplaceAbove, 100);
});

test("reads through a get() accessor like VS Code's WorkspaceConfiguration", () => {
  const values: Record<string, unknown> = { pattern: "FIXME", severity: "warning", regex: true, interpreter: "python3" };
  const section = { get: (key: string) => values[key] };
  assert.deepEqual(serverPayload(section), { pattern: "FIXME", severity: "warning", regex: true });
  assert.deepEqual(patternSettings(section), {
    pattern: "FIXME",
    flags: { regex: true, caseSensitive: true, wholeWord: false },
  });
});

test("a query's description", () => {
  assert.equal(describeQuery({ pattern: "x+", regex: true, caseSensitive: false, wholeWord: false }), "/x+/ (ignore case)");
  assert.equal(describeQuery({ pattern: "TODO", regex: false, caseSensitive: true, wholeWord: true }), '"TODO" (whole word)');
});

test("a count the server capped reads 1000+, not 1000 (the status bar and its tooltip)", () => {
  assert.equal(countText(1000, false), "1000+");
  assert.equal(countText(1000), "1000");
  assert.equal(matchCount(1000, false), "1000+ matches");
  assert.equal(matchCount(1, false), "1+ matches");
  assert.equal(matchCount(1), "1 match");
  assert.equal(matchCount(0), "0 matches");
});
