/**
 * Which colour paints which pattern, without importing `vscode`.
 *
 * A pattern is painted like the find widget paints its matches: a background on each match and a
 * mark in the overview ruler. Its `color` key chooses the colour:
 * - a palette name (`"blue"`, `"green"`, ...): a pair of theme colours this extension contributes
 *   (package.json `contributes.colors`, ids `grepls.pattern.<name>.background` and
 *   `.overviewRuler`), with values for dark, light and high-contrast themes that a theme or
 *   `workbench.colorCustomizations` can override;
 * - a CSS colour (`"#e5141466"`, `"rgba(229, 20, 20, 0.4)"`): used as it is; an opaque hex colour
 *   (`#rgb`, `#rrggbb`) is made translucent for the background so the text stays readable.
 * Patterns without a (valid) colour get the palette's colours in order, skipping the ones other
 * patterns chose, so each pattern has its own as long as the palette lasts. The ad-hoc search is
 * painted in the find widget's own colours.
 */
import { SEARCH_ID } from "./patterns";

export const PALETTE = ["blue", "green", "orange", "purple", "red", "teal"] as const;
export type PaletteName = (typeof PALETTE)[number];

/** A colour as VS Code takes it: a theme colour id or a CSS colour. */
export type Paint = { theme: string } | { css: string };

/** How one pattern's matches are painted. */
export interface PatternPaint {
  background: Paint;
  overviewRuler: Paint;
  /** The palette name, when the colour comes from the palette. */
  name?: PaletteName;
}

export function isPaletteName(value: unknown): value is PaletteName {
  return typeof value === "string" && (PALETTE as readonly string[]).includes(value);
}

const HEX = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;
const FUNCTIONAL = /^(rgba?|hsla?)\(\s*[-+0-9.%\s,/]+\)$/i;

export function isCssColor(value: unknown): value is string {
  return typeof value === "string" && (HEX.test(value.trim()) || FUNCTIONAL.test(value.trim()));
}

/** The paint for a palette name, from the theme colours package.json contributes. */
export function palettePaint(name: PaletteName): PatternPaint {
  return {
    name,
    background: { theme: `grepls.pattern.${name}.background` },
    overviewRuler: { theme: `grepls.pattern.${name}.overviewRuler` },
  };
}

/** The find widget's colours, for the ad-hoc search. */
export const SEARCH_PAINT: PatternPaint = {
  background: { theme: "editor.findMatchHighlightBackground" },
  overviewRuler: { theme: "editorOverviewRuler.findMatchForeground" },
};

/** The paint for a CSS colour: translucent background when the colour is opaque hex. */
export function cssPaint(color: string): PatternPaint {
  const value = color.trim();
  const hex = HEX.exec(value)?.[1];
  if (hex && (hex.length === 3 || hex.length === 6)) {
    const full = hex.length === 3 ? [...hex].map((c) => c + c).join("") : hex;
    return { background: { css: `#${full}66` }, overviewRuler: { css: `#${full}` } };
  }
  return { background: { css: value }, overviewRuler: { css: value } };
}

/** The paint a `color` value asks for, or undefined when it names no colour. */
export function paintOf(color: unknown): PatternPaint | undefined {
  if (isPaletteName(color)) {
    return palettePaint(color);
  }
  return isCssColor(color) ? cssPaint(color) : undefined;
}

/**
 * Every pattern's paint, for patterns in their order. Explicit colours first; then each pattern
 * without one takes the first palette colour nobody has yet (the palette over again once all are
 * taken). The search pattern, when listed, gets the find widget's colours.
 */
export function assignColors(patterns: ReadonlyArray<{ id: string; color?: unknown }>): Map<string, PatternPaint> {
  const paints = new Map<string, PatternPaint>();
  const taken = new Set<PaletteName>();
  for (const { id, color } of patterns) {
    const paint = id === SEARCH_ID ? SEARCH_PAINT : paintOf(color);
    if (paint && !paints.has(id)) {
      paints.set(id, paint);
      if (paint.name) {
        taken.add(paint.name);
      }
    }
  }
  let wrapped = 0;
  for (const { id } of patterns) {
    if (paints.has(id)) {
      continue;
    }
    const free = PALETTE.find((name) => !taken.has(name)) ?? PALETTE[wrapped++ % PALETTE.length];
    taken.add(free);
    paints.set(id, palettePaint(free));
  }
  return paints;
}

/** The palette colour a new pattern would get beside these: the first one nobody uses. */
export function nextFreeColor(patterns: ReadonlyArray<{ id: string; color?: unknown }>): PaletteName {
  const used = new Set([...assignColors(patterns).values()].map((paint) => paint.name));
  return PALETTE.find((name) => !used.has(name)) ?? PALETTE[patterns.length % PALETTE.length];
}
