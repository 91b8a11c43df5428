/**
 * How the bundled server is started, without importing `vscode`.
 *
 * The .vsix carries the server's source under bundled/server and its Python dependencies under
 * bundled/libs/cpXY, one folder per Python minor version because google-re2 ships compiled
 * wheels per version. The server runs as `<python> -m grepls` with those two folders first on
 * PYTHONPATH, so a user's own site-packages can never shadow the versions we tested.
 *
 * The workspace scope runs ripgrep's `rg` (the server looks beside its Python, then on PATH). The
 * .vsix does not carry one, but VS Code does — its own search runs it — so VS Code's folder of it
 * goes last on the server's PATH: an `rg` of the user's own still wins.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { PythonVersion } from "./interpreter";

export interface LaunchSpec {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** The server's own folder: `-m` puts the working directory first on sys.path, so a workspace
   * that happens to contain a `grepls` folder must not be the working directory. */
  cwd: string;
}

export function libsFolder(extensionRoot: string, version: PythonVersion): string {
  return path.join(extensionRoot, "bundled", "libs", `cp${version.major}${version.minor}`);
}

/** The Python versions this .vsix carries libraries for, e.g. ["3.10", "3.11"]. */
export function bundledVersions(extensionRoot: string): string[] {
  const root = path.join(extensionRoot, "bundled", "libs");
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return [];
  }
  return names
    .map((name) => /^cp(\d)(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]}.${m[2]}`)
    .sort((a, b) => Number(a.split(".")[1]) - Number(b.split(".")[1]));
}

/** The folder of the `rg` VS Code ships under its app root (`vscode.env.appRoot`), if there is one. */
export function vscodeRipgrepFolder(appRoot: string, platform: NodeJS.Platform = process.platform): string | undefined {
  const executable = platform === "win32" ? "rg.exe" : "rg";
  for (const modules of ["node_modules", "node_modules.asar.unpacked"]) {
    for (const name of ["@vscode/ripgrep", "vscode-ripgrep"]) {
      const folder = path.join(appRoot, modules, name, "bin");
      if (fs.existsSync(path.join(folder, executable))) {
        return folder;
      }
    }
  }
  return undefined;
}

/** `env` with `folder` at the end of its PATH (whatever the variable's case, as on Windows). */
function withFallbackPath(env: NodeJS.ProcessEnv, folder: string | undefined): NodeJS.ProcessEnv {
  if (!folder) {
    return env;
  }
  const key = Object.keys(env).find((name) => name.toUpperCase() === "PATH") ?? "PATH";
  const current = env[key];
  return { ...env, [key]: current ? `${current}${path.delimiter}${folder}` : folder };
}

export function launchSpec(
  extensionRoot: string,
  interpreter: string[],
  version: PythonVersion,
  baseEnv: NodeJS.ProcessEnv,
  /** Searched last for `rg` (vscodeRipgrepFolder). */
  ripgrepFolder?: string,
): LaunchSpec | { error: string } {
  const libs = libsFolder(extensionRoot, version);
  const server = path.join(extensionRoot, "bundled", "server");
  if (!fs.existsSync(path.join(server, "grepls"))) {
    return { error: `the bundled server is missing (${server}); reinstall the extension` };
  }
  if (!fs.existsSync(libs)) {
    const have = bundledVersions(extensionRoot).join(", ") || "none";
    return {
      error:
        `this build of grepls has no libraries for Python ${version.major}.${version.minor} ` +
        `(it carries ${have}); set "grepls.interpreter" to one of those`,
    };
  }
  const inherited = baseEnv.PYTHONPATH ? [baseEnv.PYTHONPATH] : [];
  const env: NodeJS.ProcessEnv = {
    ...withFallbackPath(baseEnv, ripgrepFolder),
    PYTHONPATH: [libs, server, ...inherited].join(path.delimiter),
    // No .pyc files written into the read-only extension folder; unbuffered for a live log.
    PYTHONDONTWRITEBYTECODE: "1",
    PYTHONUNBUFFERED: "1",
  };
  const [command, ...leading] = interpreter;
  return { command, args: [...leading, "-m", "grepls"], env, cwd: server };
}
