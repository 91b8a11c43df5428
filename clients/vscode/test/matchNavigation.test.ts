// Next / previous match from the cursor, with wrap-around and adjacent matches.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { jumpOrigin, nextMatch, placeText, previousMatch } from "../src/matchNavigation";

const at = (line: number, character: number) => ({ start: { line, character }, id: `${line}:${character}` });
const matches = [at(5, 0), at(1, 4), at(1, 8), at(9, 2)]; // deliberately unsorted

test("next is the first match strictly after the cursor", () => {
  assert.equal(nextMatch(matches, { line: 0, character: 0 })?.id, "1:4");
  assert.equal(nextMatch(matches, { line: 1, character: 4 })?.id, "1:8");
  assert.equal(nextMatch(matches, { line: 1, character: 5 })?.id, "1:8");
  assert.equal(nextMatch(matches, { line: 6, character: 0 })?.id, "9:2");
});

test("next wraps to the first match", () => {
  assert.equal(nextMatch(matches, { line: 9, character: 2 })?.id, "1:4");
});

test("previous is the last match strictly before the cursor, wrapping to the last", () => {
  assert.equal(previousMatch(matches, { line: 1, character: 8 })?.id, "1:4");
  assert.equal(previousMatch(matches, { line: 9, character: 0 })?.id, "5:0");
  assert.equal(previousMatch(matches, { line: 1, character: 4 })?.id, "9:2");
});

test("previous after next goes back, and next walks through adjacent matches", () => {
  // "\\d" on "x 2026": matches at 1:2, 1:3, 1:4, 1:5, each ending where the next one starts. A
  // jump selects its match, the cursor at its end.
  const digit = (character: number) => ({
    start: { line: 1, character },
    end: { line: 1, character: character + 1 },
    id: `1:${character}`,
  });
  const row = [digit(2), digit(3), digit(4), digit(5)];
  const select = (m: { start: { line: number; character: number }; end: { line: number; character: number } }) => ({
    start: m.start,
    end: m.end,
  });
  let selection = { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } };
  const walked: string[] = [];
  for (let i = 0; i < 3; i++) {
    const next = nextMatch(row, jumpOrigin(selection))!;
    walked.push(next.id);
    selection = select(next);
  }
  assert.deepEqual(walked, ["1:2", "1:3", "1:4"]);
  assert.equal(previousMatch(row, jumpOrigin(selection))?.id, "1:3");
});

test("no matches, no target", () => {
  assert.equal(nextMatch([], { line: 0, character: 0 }), undefined);
  assert.equal(previousMatch([], { line: 0, character: 0 }), undefined);
});

test("a jump says where the match stands, as far as the server counted", () => {
  assert.equal(placeText({ index: 3, matches: 120, complete: true, wrapped: false }, "next"), "grepls: match 3 of 120");
  assert.equal(placeText({ index: 3, matches: 1001, complete: false, wrapped: false }, "next"), "grepls: match 3 of 1001+");
  assert.equal(
    placeText({ index: null, matches: 1001, complete: false, wrapped: true }, "next"),
    "grepls: match ? of 1001+, wrapped around the end",
  );
});

test("Previous Match wrapping from the first match to the last says it wrapped around the start", () => {
  assert.equal(
    placeText({ index: 120, matches: 120, complete: true, wrapped: true }, "previous"),
    "grepls: match 120 of 120, wrapped around the start",
  );
});
