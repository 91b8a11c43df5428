// Colour assignment: a chosen colour is kept, the others get distinct palette colours, the
// search gets the find widget's, and every palette colour is a theme colour package.json declares.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { assignColors, cssPaint, isCssColor, nextFreeColor, PALETTE, paintOf, SEARCH_PAINT } from "../src/colors";

const names = (paints: Map<string, { name?: string }>) => Object.fromEntries([...paints].map(([id, p]) => [id, p.name]));

test("patterns without a colour each get their own palette colour, in order", () => {
  const paints = assignColors([{ id: "TODO" }, { id: "FIXME" }, { id: "HACK" }]);
  assert.deepEqual(names(paints), { TODO: "blue", FIXME: "green", HACK: "orange" });
});

test("a chosen palette colour is kept, and the others skip it", () => {
  const paints = assignColors([{ id: "TODO" }, { id: "FIXME", color: "blue" }]);
  assert.deepEqual(names(paints), { TODO: "green", FIXME: "blue" });
});

test("a CSS colour is used as it is; opaque hex gets a translucent background", () => {
  const paints = assignColors([{ id: "a", color: "#e51414" }, { id: "b", color: "rgba(0, 128, 255, 0.3)" }, { id: "c" }]);
  assert.deepEqual(paints.get("a"), { background: { css: "#e5141466" }, overviewRuler: { css: "#e51414" } });
  assert.deepEqual(paints.get("b"), { background: { css: "rgba(0, 128, 255, 0.3)" }, overviewRuler: { css: "rgba(0, 128, 255, 0.3)" } });
  assert.equal(paints.get("c")?.name, "blue");
  assert.deepEqual(cssPaint("#f00"), { background: { css: "#ff000066" }, overviewRuler: { css: "#ff0000" } });
  assert.deepEqual(cssPaint("#ff000080"), { background: { css: "#ff000080" }, overviewRuler: { css: "#ff000080" } });
});

test("a colour grepls does not understand reads as none", () => {
  for (const color of ["chartreuse-ish", "#12345", "", 42, "url(x)"]) {
    assert.equal(paintOf(color), undefined, String(color));
    assert.equal(isCssColor(color), false, String(color));
  }
  assert.equal(assignColors([{ id: "a", color: "nope" }]).get("a")?.name, "blue");
});

test("the search pattern is painted in the find widget's colours", () => {
  const paints = assignColors([{ id: "TODO" }, { id: "search" }]);
  assert.deepEqual(paints.get("search"), SEARCH_PAINT);
  assert.equal(paints.get("TODO")?.name, "blue");
});

test("once the palette is used up it starts again", () => {
  const ids = Array.from({ length: PALETTE.length + 2 }, (_, i) => ({ id: `p${i}` }));
  const paints = assignColors(ids);
  assert.equal(new Set([...paints.values()].map((p) => p.name)).size, PALETTE.length);
  assert.equal(paints.get(`p${PALETTE.length}`)?.name, PALETTE[0]);
});

test("the colour offered to a new pattern is the first one nobody uses", () => {
  assert.equal(nextFreeColor([]), "blue");
  assert.equal(nextFreeColor([{ id: "a" }, { id: "b", color: "orange" }]), "green");
});

test("package.json contributes both theme colours of every palette colour, for every theme kind", () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8"));
  const colors = new Map<string, { defaults: Record<string, string> }>(
    manifest.contributes.colors.map((c: { id: string; defaults: Record<string, string> }) => [c.id, c]),
  );
  for (const name of PALETTE) {
    for (const part of ["background", "overviewRuler"]) {
      const color = colors.get(`grepls.pattern.${name}.${part}`);
      assert.ok(color, `grepls.pattern.${name}.${part}`);
      for (const kind of ["dark", "light", "highContrast", "highContrastLight"]) {
        assert.ok(isCssColor(color.defaults[kind]), `${name}.${part} ${kind}`);
      }
    }
  }
  const declared = manifest.contributes.configuration.properties["grepls.patterns"].items.properties.color;
  for (const name of PALETTE) {
    assert.ok(declared.markdownDescription.includes(`\`${name}\``), `the color setting names ${name}`);
  }
});
