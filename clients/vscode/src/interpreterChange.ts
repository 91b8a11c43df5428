/**
 * Restarting the server when the Python extension's active interpreter changes, without
 * importing `vscode`.
 *
 * The Python extension fires `environments.onDidChangeActiveEnvironmentPath` when the user picks
 * another interpreter (or it settles on a new virtual environment), often several times in a row,
 * so the restart waits until the events have stopped for `delayMs` (as the
 * vscode-python-tools-extension-template does). Only a server that runs on the Python extension's
 * interpreter is restarted: when `grepls.interpreter` is set, that setting decides and the event
 * changes nothing. Whether that is so is asked when the restart is due, not when the event comes.
 */

/** The shape of a VS Code event: subscribe with a listener, get something to dispose. */
export type Event<T> = (listener: (event: T) => unknown) => { dispose(): unknown };

/** What the Python extension sends (ActiveEnvironmentPathChangeEvent); only `path` is used. */
export interface EnvironmentPathChange {
  path?: string;
}

export interface RestartOnInterpreterChange {
  /** True when the server runs on the Python extension's interpreter (no grepls.interpreter). */
  followsPythonExtension(): boolean;
  /** Called once per burst of events, with the last event of the burst. */
  restart(change: EnvironmentPathChange): unknown;
  delayMs?: number;
}

export const RESTART_DELAY_MS = 500;

export function restartOnInterpreterChange(
  changes: Event<EnvironmentPathChange>,
  options: RestartOnInterpreterChange,
): { dispose(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const subscription = changes((change) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      if (options.followsPythonExtension()) {
        void options.restart(change);
      }
    }, options.delayMs ?? RESTART_DELAY_MS);
  });
  return {
    dispose() {
      clearTimeout(timer);
      subscription.dispose();
    },
  };
}
