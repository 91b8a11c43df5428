// VS Code during a workspace scan, for bench/workspace_vscode.py: code-server with this tree's
// .vsix opens a folder (the Linux tree) in Debian's chromium, driven by playwright-core, with
// grepls's settings from the plan (the scope, the pattern). From the moment the workbench is
// visible it records:
//   * first / all: when the status bar first counts matches "in workspace", and when its count
//     reaches the plan's `expected` (ripgrep's count of the same matches);
//   * frame gaps: the longest wait between two requestAnimationFrame callbacks of the page, and how
//     many waits were over 50 and 100 ms (a frozen window shows as one long gap), until two
//     seconds after all were counted (or for `window_ms`, when nothing is counted: VS Code alone);
//   * created: a file holding the pattern written into the folder after the scan, to the count
//     going up by one (the file watch VS Code registers for grepls, and the re-search);
//   * the client's "Unhandled method" answers in the extension's log (requests it refused).
// Every wait has a deadline; code-server's process group is killed at the end.

import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const here = path.dirname(fileURLToPath(import.meta.url));
const tools = path.join(here, "..", "..", "tests", "vscode");
const require = createRequire(path.join(tools, "package.json"));
const { chromium } = require("playwright-core");
const CODE_SERVER = path.join(tools, "node_modules", ".bin", "code-server");

const plan = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let codeServer;
process.on("exit", () => {
  try {
    process.kill(-codeServer.pid, "SIGKILL");
  } catch {
    // not started, or gone
  }
});
setTimeout(() => {
  console.error("vscode scan bench: the run took too long");
  process.exit(1);
}, 300_000).unref();

const userData = path.join(plan.temp, "user-data");
const extensions = path.join(plan.temp, "extensions");
const env = {
  ...process.env,
  XDG_CONFIG_HOME: path.join(plan.temp, "config"),
  XDG_DATA_HOME: path.join(plan.temp, "data"),
  XDG_CACHE_HOME: path.join(plan.temp, "cache"),
};
fs.mkdirSync(path.join(userData, "User"), { recursive: true });
fs.writeFileSync(
  path.join(userData, "User", "settings.json"),
  JSON.stringify({
    "security.workspace.trust.enabled": false,
    "workbench.startupEditor": "none",
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "extensions.autoCheckUpdates": false,
    "extensions.autoUpdate": false,
    ...plan.settings,
  }),
);
const installed = spawnSync(
  CODE_SERVER,
  ["--user-data-dir", userData, "--extensions-dir", extensions, "--install-extension", plan.vsix],
  { env, encoding: "utf8", timeout: 120_000 },
);
if (!/successfully installed/i.test(installed.stdout ?? "")) {
  throw new Error(`installing ${plan.vsix}: ${installed.stdout}\n${installed.stderr}`);
}
const port = await new Promise((resolve, reject) => {
  const server = net.createServer();
  server.on("error", reject);
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});
const log = fs.openSync(path.join(plan.temp, "code-server.log"), "a");
codeServer = spawn(
  CODE_SERVER,
  [
    "--bind-addr", `127.0.0.1:${port}`, "--auth", "none", "--user-data-dir", userData,
    "--extensions-dir", extensions, "--disable-telemetry", "--disable-update-check",
    "--disable-workspace-trust", "--ignore-last-opened", plan.tree,
  ],
  { env, detached: true, stdio: ["ignore", log, log] },
);
fs.closeSync(log);
for (let tries = 0; ; tries++) {
  try {
    if ((await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) })).ok) break;
  } catch {
    // not up yet
  }
  if (tries > 300) throw new Error("code-server did not answer");
  await sleep(100);
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
});
const page = await (await browser.newContext({ viewport: { width: 1280, height: 760 } })).newPage();
await page.addInitScript(() => {
  const gaps = (window.__grepls_gaps = { counting: false, last: 0, max: 0, over50: 0, over100: 0 });
  const frame = (now) => {
    if (gaps.counting && gaps.last) {
      const gap = now - gaps.last;
      gaps.max = Math.max(gaps.max, gap);
      if (gap > 50) gaps.over50++;
      if (gap > 100) gaps.over100++;
    }
    gaps.last = now;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
});
await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(plan.tree)}`, { timeout: 60_000 });
await page.locator(".monaco-workbench").waitFor({ state: "visible", timeout: 60_000 });
const ready = Date.now();
await page.evaluate(() => {
  window.__grepls_gaps.counting = true;
});

/** The status bar's workspace count ("· 5608 in workspace"), or null. */
const counted = () =>
  page.evaluate(() => {
    for (const item of document.querySelectorAll(".statusbar-item")) {
      const found = item.textContent.match(/· (\d+)\+? in workspace/);
      if (found) return Number(found[1]);
    }
    return null;
  });

const result = { first_ms: null, all_ms: null, count: null, created_ms: null };
const deadline = ready + (plan.expected === null ? plan.window_ms : 180_000);
while (Date.now() < deadline) {
  result.count = await counted();
  if (result.count !== null && result.first_ms === null) result.first_ms = Date.now() - ready;
  if (plan.expected !== null && result.count !== null && result.count >= plan.expected) {
    result.all_ms = Date.now() - ready;
    break;
  }
  await sleep(20);
}
if (plan.expected !== null) await sleep(2000);
const gaps = await page.evaluate(() => window.__grepls_gaps);
result.gap_max_ms = gaps.max;
result.gaps_over_50 = gaps.over50;
result.gaps_over_100 = gaps.over100;

if (plan.created && result.all_ms !== null) {
  const file = path.join(plan.tree, plan.created.name);
  const before = await counted();
  const written = Date.now();
  fs.writeFileSync(file, plan.created.text);
  try {
    while (Date.now() - written < 15_000) {
      if ((await counted()) === before + 1) {
        result.created_ms = Date.now() - written;
        break;
      }
      await sleep(20);
    }
  } finally {
    fs.rmSync(file, { force: true });
  }
}

result.unhandled = [];
const logs = path.join(userData, "logs");
for (const session of fs.existsSync(logs) ? fs.readdirSync(logs) : []) {
  const file = path.join(logs, session, "exthost1", "grepls.grepls", "grepls.log");
  if (fs.existsSync(file)) result.unhandled.push(...(fs.readFileSync(file, "utf8").match(/Unhandled method [\w/$]+/g) ?? []));
}
fs.writeFileSync(plan.out, JSON.stringify(result));
await browser.close();
process.exit(0);
