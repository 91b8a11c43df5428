// Reload Window: writes to the grepls channel once VS Code closed it are dropped, not thrown.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { quietWhenClosed } from "../src/closingLog";

class FakeChannel {
  closed = false;
  lines: string[] = [];
  readonly name = "grepls";
  info(message: string): void {
    if (this.closed) {
      throw new Error("Channel has been closed");
    }
    this.lines.push(message);
  }
  show(): void {
    if (this.closed) {
      throw new Error("Channel has been closed");
    }
  }
  warn(message: string): void {
    throw new Error(`disk full: ${message}`);
  }
  dispose(): void {
    this.closed = true;
  }
}

test("a write to the grepls channel after VS Code closed it (Reload Window) does not throw", () => {
  const channel = new FakeChannel();
  const log = quietWhenClosed(channel);
  log.info("before");
  log.dispose();
  assert.doesNotThrow(() => log.info("after: a cancellation traced while the client stops"));
  assert.doesNotThrow(() => log.show());
  assert.deepEqual(channel.lines, ["before"]);
  assert.equal(log.name, "grepls");
});

test("any other error of a write is still thrown", () => {
  const log = quietWhenClosed(new FakeChannel());
  assert.throws(() => log.warn("x"), /disk full/);
});
