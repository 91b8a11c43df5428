/**
 * Next / previous match relative to the cursor, without importing `vscode`.
 *
 * Matches are (line, character) starts. "Next" is the first match starting strictly after the
 * cursor, wrapping to the first; "previous" is the last one starting strictly before it, wrapping
 * to the last. Strictness is what lets repeated presses walk through adjacent matches.
 *
 * A jump selects the match it lands on, the cursor at its end; the next jump, either way, starts
 * from where the selection starts (`jumpOrigin`), so the selected match itself is passed over:
 * from its end, previous would find that match again and next would skip a match that begins
 * where it ends (`\d` on "2026").
 */

export interface Point {
  line: number;
  character: number;
}

export function comparePoints(a: Point, b: Point): number {
  return a.line - b.line || a.character - b.character;
}

/** Where a jump searches from, either way: where the editor's selection starts (see above). */
export function jumpOrigin<P extends Point>(selection: { start: P; end: P }): P {
  return selection.start;
}

export function nextMatch<T extends { start: Point }>(matches: readonly T[], cursor: Point): T | undefined {
  const sorted = [...matches].sort((a, b) => comparePoints(a.start, b.start));
  return sorted.find((m) => comparePoints(m.start, cursor) > 0) ?? sorted[0];
}

export function previousMatch<T extends { start: Point }>(matches: readonly T[], cursor: Point): T | undefined {
  const sorted = [...matches].sort((a, b) => comparePoints(a.start, b.start));
  for (let i = sorted.length - 1; i >= 0; i--) {
    if (comparePoints(sorted[i].start, cursor) < 0) {
      return sorted[i];
    }
  }
  return sorted[sorted.length - 1];
}

/** Where a match found by the server stands among its document's matches. */
export interface Place {
  /** From 1; null past what the server has counted. */
  index: number | null;
  matches: number;
  /** Whether `matches` is the document's whole count (else a lower bound). */
  complete: boolean;
  wrapped: boolean;
}

/** What a jump says, as a find widget's count: "grepls: match 3 of 120" ("?" for a place not
 * counted, "+" after a count that is a lower bound); a wrap is past the end going next, past the
 * start going previous. */
export function placeText(place: Place, direction: "next" | "previous"): string {
  const index = place.index ?? "?";
  const count = `${place.matches}${place.complete ? "" : "+"}`;
  const wrapped = place.wrapped ? `, wrapped around the ${direction === "next" ? "end" : "start"}` : "";
  return `grepls: match ${index} of ${count}${wrapped}`;
}
