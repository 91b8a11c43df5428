// The bench's VS Code: code-server (tests/vscode's) with the grepls .vsix, driven through Debian's
// chromium by playwright-core, as the e2e test does (tests/vscode/e2e.mjs) — but here to time.
//
// bench/editors/run.py writes a plan (JSON, path in argv): the workspace holding the generated
// files, for each file the target line (which reads "TOD typed here"), and the interpreter shim
// that starts the server (grepls, with its timing trace, or the floor). For each file this
// script opens it, waits for the first matches, puts the cursor after "TOD", then per round types
// "O" (a new match) and Backspace (gone again). The keystroke is stamped by a keydown listener in
// the page (capture phase, performance.now()), and a MutationObserver stamps the moment the DOM
// shows (a) the status bar's new count, (b) a squiggle on the target line and (c) the extension's
// decoration (a background) on it — for a file whose target lies past the diagnostics cap, (c)
// only: no squiggle comes there. Page time is converted to the wall clock
// (performance.timeOrigin) so run.py can join the server's trace (its clocks paired once).
//
// With GREPLS_BENCH_RENDERER_PROFILE=<folder>, the page's main thread is CPU-profiled through the
// typing of each file (Chrome DevTools protocol, 0.2 ms samples) and the profile written there,
// renderer-<server>-<file>.cpuprofile; `profile_origin` and `profile_now` in the results place its
// clock (performance.timeOrigin, and performance.now() as profiling began) on the wall clock.
//
// Every wait has a timeout; code-server's process group is killed at the end whatever happened.
// Results go to the plan's `out` file.

import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..", "..");
const tools = path.join(repo, "tests", "vscode");
const require = createRequire(path.join(tools, "package.json"));
const { chromium } = require("playwright-core");
const CODE_SERVER = path.join(tools, "node_modules", ".bin", "code-server");
const STEP_MS = 60_000;

const plan = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
/** The pattern every file of this workbench is searched for; each file's target line reads it
 * without its last letter, the keystroke. */
const PATTERN = plan.pattern ?? "TODO";
const temp = plan.temp;
let codeServer;
let browser;

function killGroup(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // gone
  }
}
process.on("exit", () => killGroup(codeServer));
const watchdog = setTimeout(() => {
  console.error("vscode bench: the whole run took too long");
  killGroup(codeServer);
  process.exit(1);
}, plan.watchdog_ms ?? 15 * 60_000);
watchdog.unref();

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function eventually(description, fn, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${description} (last: ${JSON.stringify(last)})`);
}

const userData = path.join(temp, "user-data");
const extensions = path.join(temp, "extensions");
const env = {
  ...process.env,
  XDG_CONFIG_HOME: path.join(temp, "config"),
  XDG_DATA_HOME: path.join(temp, "data"),
  XDG_CACHE_HOME: path.join(temp, "cache"),
};

function prepare() {
  fs.mkdirSync(path.join(userData, "User"), { recursive: true });
  fs.mkdirSync(extensions, { recursive: true });
  const settings = {
    "files.autoSave": "off",
    "security.workspace.trust.enabled": false,
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": false,
    "workbench.enableExperiments": false,
    "workbench.secondarySideBar.defaultVisibility": "hidden",
    "chat.commandCenter.enabled": false,
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "extensions.autoCheckUpdates": false,
    "extensions.autoUpdate": false,
    "extensions.ignoreRecommendations": true,
    "editor.minimap.enabled": false,
    "workbench.editor.languageDetection": false,
    "editor.cursorBlinking": "solid",
    // No suggestion widget popping up over the typed line.
    "editor.quickSuggestions": { other: false, comments: false, strings: false },
    "editor.wordBasedSuggestions": "off",
    "editor.suggestOnTriggerCharacters": false,
    "grepls.pattern": PATTERN,
    // The Linux header is 16 MB: over the 10 MB past which VS Code in a browser asks before it
    // opens a file; a user answers "Open Anyway" once.
    "workbench.editorLargeFileConfirmation": 100,
    "grepls.interpreter": [plan.interpreter],
    ...(plan.settings ?? {}),
  };
  fs.writeFileSync(path.join(userData, "User", "settings.json"), JSON.stringify(settings, null, 2));
  const out = spawnSync(
    CODE_SERVER,
    ["--user-data-dir", userData, "--extensions-dir", extensions, "--install-extension", path.resolve(plan.vsix)],
    { env, encoding: "utf8", timeout: 120_000 },
  );
  if (!/successfully installed/i.test(out.stdout ?? "")) {
    throw new Error(`installing ${plan.vsix}: ${out.stdout}\n${out.stderr}`);
  }
}

async function startCodeServer() {
  const port = await freePort();
  const log = fs.openSync(path.join(temp, "code-server.log"), "a");
  codeServer = spawn(
    CODE_SERVER,
    [
      "--bind-addr", `127.0.0.1:${port}`, "--auth", "none",
      "--user-data-dir", userData, "--extensions-dir", extensions,
      "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust",
      "--disable-getting-started-override", "--ignore-last-opened",
      plan.workspace,
    ],
    { env, detached: true, stdio: ["ignore", log, log] },
  );
  fs.closeSync(log);
  await eventually("code-server to answer", async () => {
    try {
      return (await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) })).ok;
    } catch {
      return false;
    }
  }, STEP_MS);
  return `http://127.0.0.1:${port}/?folder=${encodeURIComponent(plan.workspace)}`;
}

/** Installs the page-side stopwatch for one keystroke; `expect` says what the screen must show. */
function arm(page, expect) {
  return page.evaluate((expect) => {
    const b = (window.__grepls_bench = { key: null, status: null, squiggle: null, decoration: null });
    const lineOf = () => {
      for (const line of document.querySelectorAll(".editor-instance .view-lines > .view-line")) {
        if (line.textContent.replace(/\u00a0/g, " ").startsWith(expect.lineText)) return line;
      }
      return null;
    };
    const overlayOf = () => {
      const line = lineOf();
      if (!line) return null;
      const top = line.style.top;
      for (const overlay of document.querySelectorAll(".editor-instance .view-overlays > div")) {
        if (overlay.style.top === top) return overlay;
      }
      return null;
    };
    const squiggled = () => overlayOf()?.querySelector("[class*='squiggly-']") != null;
    // An extension decoration type's elements carry a `ced-` class; the match's has a background.
    const decorated = () => [...(overlayOf()?.querySelectorAll(".cdr") ?? [])].some((node) => {
      if (![...node.classList].some((name) => name.startsWith("ced-"))) return false;
      const background = getComputedStyle(node).backgroundColor;
      return background && background !== "rgba(0, 0, 0, 0)" && background !== "transparent";
    });
    const statusShown = () => {
      if (expect.status === null) return false;
      for (const item of document.querySelectorAll(".statusbar-item")) {
        if (item.querySelector(".codicon-search") && item.textContent.trim().endsWith(`: ${expect.status}`)) return true;
      }
      return false;
    };
    const look = () => {
      if (b.key === null) return;
      const now = performance.now();
      if (expect.squiggle !== null && b.squiggle === null && squiggled() === expect.squiggle) b.squiggle = now;
      if (b.decoration === null && decorated() === expect.decoration) b.decoration = now;
      if (b.status === null && statusShown()) b.status = now;
      const done = (stamp, wanted) => wanted === null || stamp !== null;
      if (done(b.squiggle, expect.squiggle) && done(b.status, expect.status) && b.decoration !== null) {
        observer.disconnect();
      }
    };
    const observer = new MutationObserver(look);
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    window.addEventListener("keydown", () => {
      if (b.key === null) {
        b.key = performance.now();
        queueMicrotask(look);
      }
    }, { capture: true, once: true });
  }, expect);
}

async function measure(page, key, expect) {
  await arm(page, expect);
  if (key.length === 1) {
    await page.keyboard.type(key);
  } else {
    await page.keyboard.press(key);
  }
  const result = await eventually(`${key}: the screen to follow`, () =>
    page.evaluate((expect) => {
      const b = window.__grepls_bench;
      const done = (stamp, wanted) => wanted === null || stamp !== null;
      const all = done(b.squiggle, expect.squiggle) && done(b.status, expect.status) && b.decoration !== null;
      return b.key !== null && all ? b : null;
    }, expect), 20_000);
  const origin = await page.evaluate(() => performance.timeOrigin);
  const wall = (t) => (t === null ? null : Math.round((origin + t) * 1e6));
  return {
    key_wall: wall(result.key),
    squiggle_wall: wall(result.squiggle),
    status_wall: wall(result.status),
    decoration_wall: wall(result.decoration),
  };
}

/** Reverts the active file (the keystrokes leave it dirty though unchanged) and closes it. */
async function closeWithoutSaving(page) {
  for (const title of ["File: Revert File", "View: Close Editor"]) {
    await page.keyboard.press("F1");
    const input = page.locator(".quick-input-widget input.input");
    await input.waitFor({ state: "visible", timeout: 15_000 });
    await input.fill(`>${title}`);
    await page.locator(".quick-input-widget .monaco-list-row", { hasText: title }).first().click();
    await page.locator(".quick-input-widget").waitFor({ state: "hidden", timeout: 15_000 });
  }
}

async function main() {
  prepare();
  const url = await startCodeServer();
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
    timeout: STEP_MS,
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 760 } });
  context.setDefaultTimeout(STEP_MS);
  const page = await context.newPage();
  await page.goto(url, { timeout: STEP_MS });
  await page.locator(".monaco-workbench").waitFor({ state: "visible", timeout: STEP_MS });
  const version = await page.evaluate(() => document.title);
  const results = [];
  for (const file of plan.files) {
    const entry = { ...file, rounds: [], error: null };
    results.push(entry);
    try {
      await page.keyboard.press("F1");
      const input = page.locator(".quick-input-widget input.input");
      await input.waitFor({ state: "visible", timeout: 15_000 });
      await input.fill(file.name); // no ">": Quick Open's file search
      await page.locator(".quick-input-widget .monaco-list-row", { hasText: file.name }).first().waitFor();
      await page.keyboard.press("Enter");
      await page.locator(".editor-instance .monaco-editor").first().waitFor({ state: "visible" });
      // The first matches: the status bar's count (squiggles are drawn for visible lines only).
      await eventually(`the status bar to count ${file.shown_before}`, async () =>
        page.evaluate((count) => [...document.querySelectorAll(".statusbar-item")].some(
          (item) => item.querySelector(".codicon-search") && item.textContent.trim().endsWith(`: ${count}`),
        ), file.shown_before), STEP_MS);
      await page.keyboard.press("F1");
      await input.waitFor({ state: "visible", timeout: 15_000 });
      await input.fill(`:${file.line + 1}`);
      await page.keyboard.press("Enter");
      await page.locator(".quick-input-widget").waitFor({ state: "hidden", timeout: 15_000 });
      // The cursor before the pattern's last letter ("TOD|"), checked in the status bar before
      // anything is typed.
      const column = PATTERN.length;
      await eventually(`the cursor at line ${file.line + 1}, column ${column}`, async () => {
        await page.keyboard.press("Home");
        for (let i = 1; i < column; i++) await page.keyboard.press("ArrowRight");
        await sleep(200);
        const where = await page.locator(".statusbar-item", { hasText: /Ln \d+, Col \d+/ }).first().innerText();
        return where.includes(`Ln ${file.line + 1}, Col ${column}`);
      }, 20_000);
      await sleep(500);
      const profiling = process.env.GREPLS_BENCH_RENDERER_PROFILE;
      const cdp = profiling ? await page.context().newCDPSession(page) : null;
      if (cdp) {
        await cdp.send("Profiler.enable");
        await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
        await cdp.send("Profiler.start");
        entry.profile_origin = await page.evaluate(() => performance.timeOrigin);
        entry.profile_now = await page.evaluate(() => performance.now());
      }
      for (let round = 0; round < plan.rounds + plan.warmup; round++) {
        await sleep(plan.gap_ms);
        const typed = await measure(page, PATTERN.slice(-1), {
          lineText: `${PATTERN} typed`, squiggle: file.squiggles ? true : null, decoration: true, status: file.status_after_typing,
        });
        await sleep(plan.gap_ms);
        await measure(page, "Backspace", {
          lineText: `${PATTERN.slice(0, -1)} typed`, squiggle: file.squiggles ? false : null, decoration: false, status: null,
        });
        entry.rounds.push(typed);
      }
      if (cdp) {
        const { profile } = await cdp.send("Profiler.stop");
        const server = path.basename(temp).split("-")[1]; // run.py's folder: vscode-<server>-...
        fs.writeFileSync(path.join(profiling, `renderer-${server}-${file.name}.cpuprofile`), JSON.stringify(profile));
      }
      await closeWithoutSaving(page);
    } catch (error) {
      entry.error = String(error).slice(0, 2000);
      await page.screenshot({ path: path.join(temp, `failed-${file.name}.png`) }).catch(() => {});
      await page.keyboard.press("Escape").catch(() => {});
      await closeWithoutSaving(page).catch(() => {});
    }
  }
  fs.writeFileSync(plan.out, JSON.stringify({ version, files: results }, null, 1));
}

try {
  await main();
} catch (error) {
  console.error(`vscode bench: ${error.stack ?? error}`);
  process.exitCode = 1;
} finally {
  if (browser) await Promise.race([browser.close().catch(() => {}), sleep(5000)]);
  killGroup(codeServer);
}
