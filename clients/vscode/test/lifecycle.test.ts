// Serialised start/stop/restart: a fake server that records how many instances exist and
// whether two steps ever ran at the same time.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Lifecycle, SerialLifecycle, settledWithin } from "../src/lifecycle";

/** start/stop that take a while, like spawning a server and initializing it. */
function fakeServer(delayMs = 5) {
  const record = { running: 0, inStep: 0, overlaps: 0, starts: 0, stops: 0, orphans: 0 };
  const step = async (body: () => void) => {
    record.inStep++;
    if (record.inStep > 1) {
      record.overlaps++;
    }
    await sleep(delayMs);
    body();
    record.inStep--;
  };
  const steps: Lifecycle = {
    start: async () => {
      await step(() => {
        record.starts++;
        if (record.running > 0) {
          record.orphans++; // a start beside a running server, as the unserialised code did
        }
        record.running++;
      });
      return true;
    },
    stop: async () => {
      await step(() => {
        record.stops++;
        record.running = Math.max(0, record.running - 1);
      });
    },
  };
  return { record, steps };
}

/** The extension before the fix: restart = stop then start, nothing queued. */
function unserialised(steps: Lifecycle) {
  return {
    start: () => steps.start(),
    restart: async () => {
      await steps.stop();
      return steps.start();
    },
  };
}

test("without the queue, two quick restarts overlap and leave two servers (the defect)", async () => {
  const { record, steps } = fakeServer();
  const server = unserialised(steps);
  await server.start();
  await Promise.all([server.restart(), server.restart()]);
  assert.ok(record.overlaps > 0);
  assert.equal(record.running, 2);
});

test("two quick restarts: never two steps at once, exactly one server afterwards", async () => {
  const { record, steps } = fakeServer();
  const server = new SerialLifecycle(steps);
  await server.start();
  await Promise.all([server.restart(), server.restart()]);
  assert.equal(record.overlaps, 0);
  assert.equal(record.orphans, 0);
  assert.equal(record.running, 1);
});

test("a restart during the first start waits for it", async () => {
  const { record, steps } = fakeServer(20);
  const server = new SerialLifecycle(steps);
  const first = server.start();
  const restarted = server.restart();
  assert.equal(await first, true);
  assert.equal(await restarted, true);
  assert.equal(record.overlaps, 0);
  assert.equal(record.running, 1);
  assert.deepEqual([record.starts, record.stops], [2, 1]);
});

test("restarts asked for before a waiting restart begins are that restart", async () => {
  const { record, steps } = fakeServer(20);
  const server = new SerialLifecycle(steps);
  await server.start();
  const burst = Array.from({ length: 10 }, () => server.restart());
  assert.ok(burst.every((p) => p === burst[0]));
  await Promise.all(burst);
  assert.deepEqual([record.overlaps, record.running, record.starts], [0, 1, 2]);
});

test("a restart asked for while one runs runs after it, once for the whole burst", async () => {
  const { record, steps } = fakeServer(20);
  const server = new SerialLifecycle(steps);
  await server.start();
  const running = server.restart();
  await sleep(5); // the first restart is stopping the server now
  const burst = Array.from({ length: 5 }, () => server.restart());
  assert.notEqual(burst[0], running);
  assert.ok(burst.every((p) => p === burst[0]));
  await Promise.all([running, ...burst]);
  assert.deepEqual([record.overlaps, record.orphans, record.running, record.starts], [0, 0, 1, 3]);
});

test("a failed step does not block the queue", async () => {
  let fail = true;
  const order: string[] = [];
  const server = new SerialLifecycle({
    start: async () => {
      order.push("start");
      if (fail) {
        fail = false;
        throw new Error("no Python");
      }
      return true;
    },
    stop: async () => {
      order.push("stop");
    },
  });
  await assert.rejects(server.start(), /no Python/);
  assert.equal(await server.restart(), true);
  await server.stop();
  assert.deepEqual(order, ["start", "stop", "start", "stop"]);
});

test("settledWithin waits for the requests under way, refused ones too", async () => {
  const order: string[] = [];
  const answered = sleep(20).then(() => order.push("answered"));
  const refused = sleep(30).then(() => {
    order.push("refused");
    throw new Error("refused");
  });
  refused.catch(() => undefined);
  await settledWithin([answered, refused], 5_000);
  order.push("stop");
  assert.deepEqual(order, ["answered", "refused", "stop"]);
});

test("settledWithin gives up on a request never answered", async () => {
  const started = Date.now();
  await settledWithin([new Promise(() => undefined)], 50);
  const waited = Date.now() - started;
  assert.ok(waited >= 45 && waited < 2_000, `waited ${waited} ms`);
});
