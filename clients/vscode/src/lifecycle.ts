/**
 * Start, stop and restart of the language server, one at a time, without importing `vscode`.
 *
 * Model: every request joins one queue (a promise chain) and runs only once the request before it
 * has finished, as in microsoft's vscode-python-tools-extension-template. So a second Restart
 * Server, or a settings change that restarts while a restart is under way, waits for it instead
 * of reaching `start()` beside it: two language clients, and two server processes, never exist at
 * once. A restart asked for while another restart is still waiting its turn is that same restart:
 * a burst of restarts costs at most the one running and one more.
 */

export interface Lifecycle {
  start(): Promise<boolean>;
  stop(): Promise<void>;
}

export class SerialLifecycle implements Lifecycle {
  /** The end of the queue: settles when everything asked for so far has finished. */
  private tail: Promise<unknown> = Promise.resolve();
  /** The restart waiting its turn, which later restarts join. */
  private waitingRestart: Promise<boolean> | undefined;

  constructor(private readonly steps: Lifecycle) {}

  start(): Promise<boolean> {
    return this.enqueue(() => this.steps.start());
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.steps.stop());
  }

  restart(): Promise<boolean> {
    if (!this.waitingRestart) {
      this.waitingRestart = this.enqueue(async () => {
        this.waitingRestart = undefined; // from here on, a new restart request is a new restart
        await this.steps.stop();
        return this.steps.start();
      });
    }
    return this.waitingRestart;
  }

  /** Runs `step` after everything queued before it; a failed step does not stop the queue. */
  private enqueue<T>(step: () => Promise<T>): Promise<T> {
    const result = this.tail.then(step);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * Settles once every one of `requests` has settled (answered or refused), or after `ms` at the
 * latest: what a stop waits for before it shuts the server down, so that the requests under way
 * are answered rather than refused by a server shutting down — without a stop ever hanging on a
 * request that gets no answer.
 */
export async function settledWithin(requests: Promise<unknown>[], ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([Promise.allSettled(requests), late]);
  } finally {
    clearTimeout(timer);
  }
}
