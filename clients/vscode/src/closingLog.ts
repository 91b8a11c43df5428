/**
 * The grepls output channel as the language client and grepls write to it, quiet once VS Code
 * has closed it — without importing `vscode` at run time.
 *
 * On Reload Window or shutdown the extension host closes the channel while the language client
 * is still stopping: cancellations it sends are traced, requests it fails are logged, and
 * grepls's own stop logs a warning. Each write to the closed channel throws "Channel has been
 * closed", which the extension host logs as an error, and which, thrown inside the client's
 * request handling, makes a code action provider fail. Nothing can be written any more, so
 * nothing is lost by dropping those writes; any other error is still thrown.
 */
import type * as vscode from "vscode";

/**
 * The channel's methods that throw once it is closed (the others are passed through unchanged):
 * its writes, and `show`/`hide`, which the language client calls when it logs an error.
 */
const WRITES = new Set<PropertyKey>([
  "trace",
  "debug",
  "info",
  "warn",
  "error",
  "append",
  "appendLine",
  "replace",
  "clear",
  "show",
  "hide",
]);

/** Whether `error` is the extension host's refusal to write to a closed channel. */
export function isClosedChannel(error: unknown): boolean {
  return /channel has been closed/i.test(error instanceof Error ? error.message : String(error));
}

/** `log`, whose writes after the channel was closed do nothing instead of throwing. */
export function quietWhenClosed<L extends Pick<vscode.LogOutputChannel, "info">>(log: L): L {
  return new Proxy(log, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") {
        return value;
      }
      if (!WRITES.has(property)) {
        return value.bind(target);
      }
      return (...args: unknown[]) => {
        try {
          return value.apply(target, args);
        } catch (error) {
          if (!isClosedChannel(error)) {
            throw error;
          }
        }
      };
    },
  });
}
