/**
 * Finding a Python that can run the bundled server, without importing `vscode`.
 *
 * Model: an ordered list of candidate commands (each a program plus leading arguments) comes from,
 * in order, the user's `grepls.interpreter` setting, the Python extension's active interpreter,
 * and `python3`/`python` on PATH. Each candidate is probed by actually running it; the first one
 * that reports a version >= MIN_PYTHON wins. An explicit setting is authoritative: if it is set
 * and does not work, discovery stops there and says so rather than silently using another Python.
 */
import { execFile } from "node:child_process";

export const MIN_PYTHON: readonly [number, number] = [3, 10];

export interface Candidate {
  /** Program and leading arguments, e.g. ["/usr/bin/python3"] or ["py", "-3.12"]. */
  command: string[];
  /** Where the candidate came from, for messages. */
  origin: "setting" | "python extension" | "PATH";
}

export interface PythonVersion {
  major: number;
  minor: number;
  micro: number;
}

export type ProbeResult = { ok: true; version: PythonVersion; executable: string } | { ok: false; error: string };

export type Probe = (command: string[]) => Promise<ProbeResult>;

export type Discovery =
  | { ok: true; candidate: Candidate; version: PythonVersion; executable: string }
  | { ok: false; message: string };

/**
 * The setting may be a string (a path, possibly with spaces, so it is not split) or an array of
 * strings (program and arguments). Blank values mean "not set".
 */
export function interpreterFromSetting(value: unknown): string[] | undefined {
  if (typeof value === "string") {
    return value.trim() === "" ? undefined : [value.trim()];
  }
  if (Array.isArray(value)) {
    const parts = value.filter((part): part is string => typeof part === "string" && part.trim() !== "");
    return parts.length === 0 ? undefined : parts;
  }
  return undefined;
}

export function candidates(setting: unknown, pythonExtensionCommand: string[] | undefined): Candidate[] {
  const fromSetting = interpreterFromSetting(setting);
  if (fromSetting) {
    return [{ command: fromSetting, origin: "setting" }];
  }
  const list: Candidate[] = [];
  if (pythonExtensionCommand && pythonExtensionCommand.length > 0) {
    list.push({ command: pythonExtensionCommand, origin: "python extension" });
  }
  const onPath = process.platform === "win32" ? [["py", "-3"], ["python"]] : [["python3"], ["python"]];
  for (const command of onPath) {
    list.push({ command, origin: "PATH" });
  }
  return list;
}

/** Parses the probe script's output: "3.11.7 /usr/bin/python3.11". */
export function parseProbeOutput(stdout: string): { version: PythonVersion; executable: string } | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)\s+(.*)$/m.exec(stdout.trim());
  if (!match) {
    return undefined;
  }
  return {
    version: { major: Number(match[1]), minor: Number(match[2]), micro: Number(match[3]) },
    executable: match[4].trim(),
  };
}

export function isSupported(version: PythonVersion): boolean {
  const [major, minor] = MIN_PYTHON;
  return version.major > major || (version.major === major && version.minor >= minor);
}

export function formatVersion(version: PythonVersion): string {
  return `${version.major}.${version.minor}.${version.micro}`;
}

/** Runs the candidate for real with a short script; a hung interpreter is cut off by the timeout. */
export function probeByRunning(timeoutMs = 10_000): Probe {
  const script = "import sys; print('%d.%d.%d' % sys.version_info[:3], sys.executable)";
  return (command) =>
    new Promise((resolve) => {
      const [program, ...args] = command;
      execFile(program, [...args, "-c", script], { timeout: timeoutMs, windowsHide: true }, (error, stdout, stderr) => {
        if (error) {
          const detail = (error as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : (stderr || error.message).trim();
          resolve({ ok: false, error: detail });
          return;
        }
        const parsed = parseProbeOutput(stdout);
        resolve(parsed ? { ok: true, ...parsed } : { ok: false, error: `unexpected output: ${stdout.trim()}` });
      });
    });
}

export async function discover(list: Candidate[], probe: Probe): Promise<Discovery> {
  const tried: string[] = [];
  const minimum = MIN_PYTHON.join(".");
  for (const candidate of list) {
    const shown = candidate.command.join(" ");
    const result = await probe(candidate.command);
    if (result.ok && isSupported(result.version)) {
      return { ok: true, candidate, version: result.version, executable: result.executable };
    }
    const why = result.ok ? `is Python ${formatVersion(result.version)}, older than ${minimum}` : result.error;
    tried.push(`${shown} (${candidate.origin}): ${why}`);
    if (candidate.origin === "setting") {
      break;
    }
  }
  return {
    ok: false,
    message:
      `grepls needs Python ${minimum} or newer and found none. Tried: ${tried.join("; ")}. ` +
      `Install Python ${minimum}+ or set "grepls.interpreter" in your user settings.`,
  };
}
