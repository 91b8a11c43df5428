/**
 * The patterns added from the palette, kept across sessions, without importing `vscode`.
 *
 * The server forgets a pattern added with `grepls.addPattern` when it exits; this store is what
 * remembers it, and the extension sends every entry again with `grepls.addPattern` after each
 * start of the server: the first one, Restart Server, a new interpreter, a reloaded window.
 * (Patterns the user chose to save to the workspace settings are in `grepls.patterns` instead,
 * which the server reads itself.)
 *
 * In a workspace with a folder, *which* patterns are kept, and what is sent for each, lives in
 * grepls's kept-patterns file, `$XDG_STATE_HOME/grepls/kept-patterns.json` (`~/.local/state/...`
 * without it): `{"folder": [addPattern argument, ...]}`, by project folder (the workspace's first
 * folder here). grepls's Neovim commands, Vim plugin and Emacs package read and write the same
 * file, so a pattern kept in any of them comes back in the others. Each change writes only itself
 * (one id added or dropped), so two editors open on one project do not undo each other's; the file
 * is read again at every start of the server. What only VS Code uses (`color`, `diagnostics`)
 * stays in `context.workspaceState` (a Memento), as the whole entry does without a folder.
 *
 * Entries are in the order they were added; adding an id that is there already replaces that
 * entry in place, as the server does.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { entryId, PatternEntry, readEntries, serverEntry } from "./patterns";

/** The part of VS Code's Memento this store uses. */
export interface Memento {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void>;
}

export const KEPT_PATTERNS_KEY = "grepls.keptPatterns";
/** Set once a workspace's entries from before the shared file have been written to it. */
export const SHARED_FILE_KEY = "grepls.keptPatternsShared";

/** grepls's kept-patterns file, where its Neovim, Vim and Emacs clients find it too. */
export function keptPatternsFile(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  const state = env.XDG_STATE_HOME ? env.XDG_STATE_HOME : path.join(home, ".local", "state");
  return path.join(state, "grepls", "kept-patterns.json");
}

/** Where a workspace's kept patterns are shared: the file, and the folder that names them there. */
export interface SharedFile {
  readonly file: string;
  readonly folder: string;
  /** Told when the file cannot be written: the pattern is still kept, for VS Code only. */
  readonly warn: (message: string) => void;
}

type KeptEntry = PatternEntry & { id: string };

export class KeptPatterns {
  /** The shared file's entries for this folder, as read at the last `load`. */
  private shared: KeptEntry[] = [];
  /** Why the shared file could not be read, as last told (told again only when it changes). */
  private unreadable?: string;

  constructor(
    private readonly memento: Memento,
    private readonly sharing?: SharedFile,
  ) {
    this.load();
  }

  /**
   * Reads the shared file again (another editor may have changed it). The first time a workspace
   * shares, what it kept before is written to the file.
   */
  load(): void {
    if (!this.sharing) {
      return;
    }
    this.shared = this.readShared();
    if (this.memento.get<boolean>(SHARED_FILE_KEY) !== true) {
      try {
        for (const entry of this.stateEntries().filter((e) => !this.shared.some((s) => s.id === e.id))) {
          this.writeShared(entry.id, entry);
        }
        void this.memento.update(SHARED_FILE_KEY, true);
      } catch (error) {
        // Tried again at the next start; meanwhile the workspace state's entries are kept.
        this.sharing.warn(`could not write ${this.sharing.file}: ${String(error)}`);
        const unwritten = this.stateEntries().filter((e) => !this.shared.some((s) => s.id === e.id));
        this.shared = [...this.readShared(), ...unwritten];
        return;
      }
      this.shared = this.readShared();
    }
  }

  /** The kept entries, each with its id; anything unreadable is skipped. */
  list(): KeptEntry[] {
    if (!this.sharing) {
      return this.stateEntries();
    }
    const own = new Map(this.stateEntries().map((entry) => [entry.id, entry]));
    return this.shared.map((entry) => {
      const { color, diagnostics } = own.get(entry.id) ?? {};
      return { ...entry, ...(color === undefined ? {} : { color }), ...(diagnostics === undefined ? {} : { diagnostics }) };
    });
  }

  has(id: string): boolean {
    return this.list().some((entry) => entry.id === id);
  }

  /** Keeps an entry: replaces the one with the same id where it stands, else appends it. */
  async put(entry: PatternEntry): Promise<void> {
    const kept = { ...entry, id: entryId(entry) };
    const entries = this.list();
    const at = entries.findIndex((e) => e.id === kept.id);
    if (at >= 0) {
      entries[at] = kept;
    } else {
      entries.push(kept);
    }
    this.changeShared(kept.id, entry);
    await this.memento.update(KEPT_PATTERNS_KEY, entries);
  }

  /** Forgets an entry; true when there was one with that id. */
  async remove(id: string): Promise<boolean> {
    const entries = this.list();
    const rest = entries.filter((entry) => entry.id !== id);
    if (rest.length === entries.length) {
      return false;
    }
    this.changeShared(id);
    await this.memento.update(KEPT_PATTERNS_KEY, rest);
    return true;
  }

  private stateEntries(): KeptEntry[] {
    return readEntries(this.memento.get<unknown>(KEPT_PATTERNS_KEY)).map((entry) => ({ ...entry, id: entryId(entry) }));
  }

  /** Writes one change to the shared file and reads it back; a failure is told, not thrown. */
  private changeShared(id: string, entry?: PatternEntry): void {
    if (!this.sharing) {
      return;
    }
    try {
      this.writeShared(id, entry);
    } catch (error) {
      this.sharing.warn(`could not write ${this.sharing.file}: ${String(error)}`);
    }
    this.shared = this.readShared();
    if (entry && !this.shared.some((e) => e.id === id)) {
      this.shared.push({ ...entry, id }); // kept for this session all the same
    }
  }

  /**
   * The whole file: folder -> entries as written; none yet reads as empty. A file that is not a
   * JSON object (damaged by hand, or by an editor of old) throws: written over, every other
   * project's patterns would be lost.
   */
  private readFile(): Record<string, unknown> {
    const file = this.sharing!.file;
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") {
        return {}; // none yet (its folder may be in the way: the write says so)
      }
      throw error;
    }
    let held: unknown;
    try {
      held = JSON.parse(text);
    } catch (error) {
      throw new Error(`${file} is not valid JSON (${String(error)}): nothing is saved to it until it is fixed`);
    }
    if (!held || typeof held !== "object" || Array.isArray(held)) {
      throw new Error(`${file} does not hold a JSON object: nothing is saved to it until it is fixed`);
    }
    return held as Record<string, unknown>;
  }

  /** This folder's entries in the file; a file that cannot be read is told once, and reads as none. */
  private readShared(): KeptEntry[] {
    try {
      const entries = readEntries(this.readFile()[this.sharing!.folder]);
      this.unreadable = undefined;
      return entries.map((entry) => ({ ...entry, id: entryId(entry) }));
    } catch (error) {
      const problem = error instanceof Error ? error.message : String(error);
      if (problem !== this.unreadable) {
        this.unreadable = problem;
        this.sharing!.warn(`kept patterns: ${problem}`);
      }
      return [];
    }
  }

  /** Pattern `id` added as `entry` (what the server is sent), or without it dropped: only that. */
  private writeShared(id: string, entry?: PatternEntry): void {
    const sharing = this.sharing!;
    fs.mkdirSync(path.dirname(sharing.file), { recursive: true });
    holdingLock(sharing.file, () => this.writeOne(id, entry));
  }

  /** Under the file's lock: read it again, change one entry, write it whole. */
  private writeOne(id: string, entry?: PatternEntry): void {
    const sharing = this.sharing!;
    const held = this.readFile();
    const before = Array.isArray(held[sharing.folder]) ? (held[sharing.folder] as unknown[]) : [];
    const named = (e: unknown) => Boolean(e && typeof e === "object" && keptId(e) === id);
    const at = before.findIndex(named);
    const kept = before.filter((e) => !named(e));
    if (entry) {
      const sent = serverEntry(entry);
      if (sent.id === entry.pattern) {
        delete sent.id; // as the other clients write it: the id is the pattern's text
      }
      kept.splice(at >= 0 ? at : kept.length, 0, sent); // replaced where it stands, as the server does
    }
    if (kept.length > 0) {
      held[sharing.folder] = kept;
    } else {
      delete held[sharing.folder];
    }
    // Written whole, then renamed over: another editor reading it meanwhile finds the old file or
    // the new one, never half of one (which it would take for damaged).
    const written = `${sharing.file}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(written, JSON.stringify(held));
      fs.renameSync(written, sharing.file);
    } finally {
      fs.rmSync(written, { force: true });
    }
  }
}

/** How long a lock on the kept-patterns file is waited for before it is taken for one left by a session that died. */
const LOCK_WAIT_MS = 2_000;

/**
 * Runs `work` holding the kept-patterns file's lock: a folder beside it, made or refused in one
 * step, as grepls's Neovim, Vim and Emacs clients take it. Two editors saving at once would
 * otherwise each write what they read, and the first one's change would be lost.
 */
function holdingLock(file: string, work: () => void): void {
  const lock = `${file}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || Date.now() > deadline) {
        break; // no lock to be had (a session that died left it): the save goes on without
      }
      Atomics.wait(pause, 0, 0, 5); // the other session holds it for a write's few milliseconds
    }
  }
  try {
    work();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** An entry's id in the file, as the other clients read it: its id, else its pattern. */
function keptId(entry: object): string | undefined {
  const { id, pattern } = entry as { id?: unknown; pattern?: unknown };
  const named = typeof id === "string" && id !== "" ? id : pattern;
  return typeof named === "string" ? named : undefined;
}

/**
 * Sends every kept entry to a server that has just started, in order, one at a time (the
 * server's order is the order they are added). A refusal is reported and the others still go;
 * once the server is no longer running, the rest wait for the next start.
 */
export async function restoreKept(
  entries: readonly PatternEntry[],
  server: { readonly running: boolean; addPattern(entry: PatternEntry): Promise<unknown> },
  refused: (entry: PatternEntry, error: unknown) => void,
): Promise<void> {
  for (const entry of entries) {
    if (!server.running) {
      return;
    }
    try {
      await server.addPattern(entry);
    } catch (error) {
      refused(entry, error);
    }
  }
}
