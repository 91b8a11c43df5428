// User text in VS Code's labels: `$(name)` would be an icon; escaped, it shows as typed.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { escapeIcons } from "../src/labels";

/** What VS Code shows of a label (renderLabelWithIcons), an icon as [icon:name]. */
function shown(label: string): string {
  return label.replace(/(\\)?\$\(([A-Za-z0-9-]+(?:~[A-Za-z]+)?)\)/g, (_, escaped, name) =>
    escaped ? `$(${name})` : `[icon:${name}]`,
  );
}

test("a matched line with $(date) in it shows $(date), not an icon", () => {
  assert.equal(shown("4: x=$(date) TODO"), "4: x=[icon:date] TODO"); // the bug
  assert.equal(shown(escapeIcons("4: x=$(date) TODO")), "4: x=$(date) TODO");
});

test("every icon-like $(…) is escaped, with modifiers, and nothing else changes", () => {
  assert.equal(escapeIcons("$(sync~spin) $(a-b) $(x)"), "\\$(sync~spin) \\$(a-b) \\$(x)");
  assert.equal(escapeIcons("$(not an icon) $ ( $() cost: $5"), "$(not an icon) $ ( $() cost: $5");
  for (const text of ["$(sync~spin) $(a-b)", "$(not an icon) $() $5", "a\\$(date) b", "\\\\$(x)", "plain"]) {
    assert.equal(shown(escapeIcons(text)), text, text);
  }
});
