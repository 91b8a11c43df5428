/**
 * The patterns added from the palette, kept across sessions in the workspace state, without
 * importing `vscode`.
 *
 * The server forgets a pattern added with `grepls.addPattern` when it exits; this store is what
 * remembers it. It lives in `context.workspaceState` (a Memento: per workspace, not in any file
 * the user shares), and the extension sends every entry again with `grepls.addPattern` after each
 * start of the server: the first one, Restart Server, a new interpreter, a reloaded window.
 * (Patterns the user chose to save to the workspace settings are in `grepls.patterns` instead,
 * which the server reads itself.)
 *
 * Entries are in the order they were added; adding an id that is there already replaces that
 * entry in place, as the server does.
 */
import { entryId, PatternEntry, readEntries } from "./patterns";

/** The part of VS Code's Memento this store uses. */
export interface Memento {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void>;
}

export const KEPT_PATTERNS_KEY = "grepls.keptPatterns";

export class KeptPatterns {
  constructor(private readonly memento: Memento) {}

  /** The kept entries, each with its id; anything unreadable in the state is skipped. */
  list(): Array<PatternEntry & { id: string }> {
    return readEntries(this.memento.get<unknown>(KEPT_PATTERNS_KEY)).map((entry) => ({ ...entry, id: entryId(entry) }));
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
    await this.memento.update(KEPT_PATTERNS_KEY, entries);
  }

  /** Forgets an entry; true when there was one with that id. */
  async remove(id: string): Promise<boolean> {
    const entries = this.list();
    const rest = entries.filter((entry) => entry.id !== id);
    if (rest.length === entries.length) {
      return false;
    }
    await this.memento.update(KEPT_PATTERNS_KEY, rest);
    return true;
  }
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
