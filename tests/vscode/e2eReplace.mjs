// The replace part of the VS Code end-to-end run (called by e2e.mjs with its helpers).
//
// As a user: two files open, "grepls: Replace All…" shows how many matches in how many files,
// replaces them all in one edit, and one Ctrl+Z (answering VS Code's "undo in all files?") brings
// both back; the light bulb's "Replace this match…" asks for the replacement and replaces one
// match; above grepls.confirmReplaceAbove (3 in this run's settings) Replace All opens the
// Refactor Preview, and nothing changes until it is applied. Files that are not open are
// replaced with the workspace scope, in e2eWorkspace.mjs.
import * as fs from "node:fs";
import * as path from "node:path";

export const REPLACE_SETTINGS = {
  "grepls.confirmReplaceAbove": 3,
};

const FILES = {
  "alpha.txt": "alpha FIXME one\n",
  "beta.txt": "beta FIXME two\n",
  "gamma.txt": "gamma FIXME FIXME FIXME\n",
};

export async function replaceScenario(page, { workspace, runCommand, eventually, check, sleep }) {
  for (const [name, text] of Object.entries(FILES)) {
    fs.writeFileSync(path.join(workspace, name), text);
  }
  const box = page.locator(".quick-input-widget input.input");
  // The visible editor's text, with Monaco's non-breaking spaces read as spaces.
  const lines = async () =>
    (await page.locator(".editor-instance .view-lines").first().innerText()).replace(/\u00a0/g, " ");
  // A file's own tab (not a preview's diff tab, whose label says more).
  const tab = (name) => page.locator(".tab", { has: page.locator(".label-name", { hasText: new RegExp(`^${name.replace(".", "\\.")}$`) }) }).first();
  const shows = async (name, text) => {
    await tab(name).click();
    await eventually(`${name} to show ${JSON.stringify(text)}`, async () =>
      (await lines()).includes(text), 15_000);
  };
  // Quick Open's own box: right after another input closes (the replacement's prompt), the box
  // seen may still be that one, going away, and a Control+P pressed then can be lost with it.
  const quickOpen = page.locator('.quick-input-widget input.input[placeholder^="Search files by name"]');
  const open = async (name) => {
    await eventually(`Quick Open to show, for ${name}`, async () => {
      if (!(await quickOpen.isVisible())) {
        await page.keyboard.press("Control+P");
        await sleep(300);
      }
      return quickOpen.isVisible();
    }, 15_000);
    await quickOpen.fill(name, { timeout: 15_000 });
    const row = page.locator(".quick-input-widget .monaco-list-row", { hasText: name }).first();
    await row.waitFor({ state: "visible", timeout: 15_000 });
    await row.click();
    await page.locator(".tab.active", { hasText: name }).waitFor({ timeout: 15_000 });
  };

  await open("alpha.txt");
  await open("beta.txt");
  await runCommand(page, "grepls: Set Search Pattern");
  await box.waitFor({ state: "visible", timeout: 15_000 });
  await box.fill("FIXME");
  await page.keyboard.press("Enter");
  const status = page.locator(".statusbar-item", { hasText: /FIXME: 1\b/ }).filter({ has: page.locator(".codicon-search") });
  await eventually("FIXME: 1 in the status bar", async () => (await status.count()) > 0, 15_000);

  // Replace All: the counts first, then one edit over both files.
  await runCommand(page, "grepls: Replace All…");
  const title = page.locator(".quick-input-widget .quick-input-title");
  const counted = await eventually("the counts in the Replace All box", async () => {
    const text = (await title.count()) ? await title.innerText() : "";
    return /2 matches in 2 files/.test(text) ? text : false;
  }, 15_000);
  check("Replace All shows how many matches in how many files before replacing", true, counted.trim());
  await box.fill("DONE");
  await page.keyboard.press("Enter");
  await shows("beta.txt", "beta DONE two");
  await shows("alpha.txt", "alpha DONE one");
  check("Replace All replaces every match in both open files", true);

  // One undo, in all files.
  await page.locator(".view-line", { hasText: "alpha DONE one" }).first().click();
  await page.keyboard.press("Control+Z");
  const undoAll = page.locator(".monaco-dialog-box .monaco-button", { hasText: /Undo in \d+ Files/ });
  await eventually("VS Code's undo question, or the undone text", async () =>
    (await undoAll.count()) > 0 || (await lines()).includes("alpha FIXME one"), 15_000);
  if (await undoAll.count()) {
    await undoAll.first().click();
  }
  await shows("alpha.txt", "alpha FIXME one");
  await shows("beta.txt", "beta FIXME two");
  check("one undo restores both files", true);

  // The light bulb: "Replace this match…" asks for the replacement.
  await tab("alpha.txt").click();
  await page.locator(".view-line", { hasText: "alpha FIXME one" }).first().click({ position: { x: 72, y: 5 } });
  await eventually("the FIXME squiggle under the cursor", async () =>
    (await page.locator(".editor-instance .squiggly-warning").count()) >= 1, 15_000);
  await page.keyboard.press("Control+.");
  const action = page.locator(".action-widget .monaco-list-row", { hasText: "Replace this match" }).first();
  let expected = ["Replace this match", "Replace all 1 match in this file", "Remove this match"];
  try {
    await action.waitFor({ state: "visible", timeout: 15_000 });
  } catch {
    // Should Ctrl+. list quick fixes only, the refactorings are under "Refactor...".
    await page.keyboard.press("Escape");
    await runCommand(page, "Refactor...");
    await action.waitFor({ state: "visible", timeout: 15_000 });
    expected = expected.slice(0, 2);
  }
  const offered = await page.locator(".action-widget .monaco-list-row").allInnerTexts();
  check("the light bulb offers replace one, replace all and remove",
    expected.every((t) => offered.some((o) => o.includes(t))),
    offered.join(" | ").replace(/\s+/g, " "));
  // Picked with the keyboard: VS Code lays a pointer block over the widget while it is open.
  const focused = page.locator(".action-widget .monaco-list-row.focused");
  for (let step = 0; step < 5 && !/Replace this match/.test((await focused.count()) ? await focused.innerText() : ""); step++) {
    await page.keyboard.press("ArrowDown");
    await sleep(200);
  }
  await page.keyboard.press("Enter");
  await box.waitFor({ state: "visible", timeout: 15_000 });
  const prompt = await page.locator(".quick-input-widget .quick-input-message").innerText();
  await box.fill("ONE");
  await page.keyboard.press("Enter");
  await shows("alpha.txt", "alpha ONE one");
  check("the code action asks for the replacement and replaces that match", /Replace this match/.test(prompt), prompt.trim());

  // Above confirmReplaceAbove: the Refactor Preview, and nothing changes without confirmation.
  await open("gamma.txt");
  await runCommand(page, "grepls: Replace All…");
  await eventually("the counts for the large replace", async () =>
    /4 matches in 2 files/.test((await title.count()) ? await title.innerText() : ""), 15_000);
  await box.fill("BULK");
  await page.keyboard.press("Enter");
  const apply = page.locator(".monaco-button", { hasText: /^Apply$/ }).first();
  await apply.waitFor({ state: "visible", timeout: 20_000 });
  check("above the threshold a preview opens and waits for confirmation", await apply.isVisible());
  // Discarded (a click event on the button itself: a pointer block lies over the view): the
  // server hears the edit was not applied, says so, and nothing has changed.
  const discard = page.locator(".monaco-button", { hasText: /^Discard$/ }).first();
  // With every replacement awaiting confirmation (unticked), Apply applies none of them either.
  await ((await discard.count()) ? discard : apply).dispatchEvent("click");
  const notice = page.locator(".notification-toast", { hasText: /nothing replaced/ });
  await notice.first().waitFor({ state: "visible", timeout: 20_000 });
  await shows("gamma.txt", "gamma FIXME FIXME FIXME");
  await shows("beta.txt", "beta FIXME two");
  check("a discarded preview replaces nothing, and grepls says so", true);
}
