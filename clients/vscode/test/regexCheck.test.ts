// Regex pre-validation: RE2 spellings pass, JavaScript-only constructs and broken regexes fail.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { checkPattern, checkRegex } from "../src/regexCheck";

test("ordinary regexes pass", () => {
  for (const pattern of ["TOD+", "foo|bar", "^\\s*#", "[a-z]+\\d{2,3}", "\\bword\\b", "a\\.b"]) {
    assert.deepEqual(checkRegex(pattern), { ok: true }, pattern);
  }
});

test("RE2-only spellings pass", () => {
  for (const pattern of ["(?i)todo", "(?i:to)do", "(?P<tag>TODO|FIXME)", "\\Afoo", "bar\\z", "(?s).", "(?im)^x"]) {
    assert.deepEqual(checkRegex(pattern), { ok: true }, pattern);
  }
});

test("broken regexes are reported with the reason", () => {
  const verdict = checkRegex("a(");
  assert.equal(verdict.ok, false);
  assert.match((verdict as { message: string }).message, /^invalid regular expression: .*group/i);
  assert.equal(checkRegex("[z-a]").ok, false);
  assert.equal(checkRegex("*x").ok, false);
  assert.equal(checkRegex("").ok, false);
});

test("what RE2 refuses is refused before it reaches the server", () => {
  assert.match((checkRegex("foo(?=bar)") as { message: string }).message, /lookahead/);
  assert.match((checkRegex("(?<!x)y") as { message: string }).message, /lookbehind/);
  assert.match((checkRegex("(a)\\1") as { message: string }).message, /backreference/);
  assert.deepEqual(checkRegex("\\\\1"), { ok: true }, "an escaped backslash then 1 is no backreference");
});

test("literal patterns only need to be non-empty", () => {
  assert.deepEqual(checkPattern("a(", false), { ok: true });
  assert.equal(checkPattern("", false).ok, false);
  assert.equal(checkPattern("a(", true).ok, false);
});
