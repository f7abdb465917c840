import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';

import type { ISessionContext } from '@jupyterlab/apputils';

import { INTERRUPT_GRACE_MS, IRunOutcome, withTimeLimit } from '../src/timeLimit';

// timeLimit.ts imports @jupyterlab/apputils for a type only, and times with
// window.setTimeout: here `window` is a stand-in whose timers run on a hand-driven clock.

/** Timers that fire only when `tick` moves the clock past them. */
class FakeClock {
  private now = 0;
  private lastId = 0;
  private timers = new Map<number, { at: number; callback: () => void }>();

  setTimeout = (callback: () => void, ms = 0): number => {
    this.timers.set(++this.lastId, { at: this.now + ms, callback });
    return this.lastId;
  };

  clearTimeout = (id: number): void => {
    this.timers.delete(id);
  };

  tick(ms: number): void {
    this.now += ms;
    for (const [id, timer] of [...this.timers].sort((a, b) => a[1].at - b[1].at)) {
      if (timer.at <= this.now) {
        this.timers.delete(id);
        timer.callback();
      }
    }
  }

  get pending(): number {
    return this.timers.size;
  }
}

let clock = new FakeClock();

/** A promise and the function that resolves it. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>(res => (resolve = res));
  return { promise, resolve };
}

/** Let pending promise callbacks run. */
const settle = (): Promise<void> => new Promise(resolve => setImmediate(resolve));

/** A session whose kernel records interrupt and restart; `onInterrupt` plays the cell's reaction. */
function fakeSession(options: { kernel?: boolean; onInterrupt?: () => void } = {}): {
  session: ISessionContext;
  log: string[];
} {
  const log: string[] = [];
  const kernel = {
    interrupt: async () => {
      log.push('interrupt');
      options.onInterrupt?.();
    }
  };
  const session = {
    session: options.kernel === false ? null : { kernel },
    restartKernel: async () => {
      log.push('restart');
    }
  } as unknown as ISessionContext;
  return { session, log };
}

/** Let `steps` ms of clock time pass, one step at a time, running what each step starts. */
async function advance(...steps: number[]): Promise<void> {
  for (const ms of steps) {
    await settle();
    clock.tick(ms);
  }
  await settle();
}

/** The outcome of `outcome`, after `advance(...steps)`. */
async function after(outcome: Promise<IRunOutcome>, ...steps: number[]): Promise<IRunOutcome> {
  await advance(...steps);
  return outcome;
}

describe('withTimeLimit', () => {
  beforeEach(() => {
    clock = new FakeClock();
    Object.assign(globalThis, { window: clock });
  });

  test('gives the outcome of a run that ends in time, interrupting nothing', async () => {
    const { session, log } = fakeSession();
    assert.deepEqual(await withTimeLimit(Promise.resolve(true), session, 5), { ok: true });
    assert.deepEqual(await withTimeLimit(Promise.resolve(false), session, 5), { ok: false });
    assert.deepEqual(await withTimeLimit(Promise.reject(new Error('x')), session, 5), { ok: false });
    const run = deferred<boolean>();
    const outcome = withTimeLimit(run.promise, session, 5);
    await settle();
    clock.tick(4999);
    run.resolve(true);
    assert.deepEqual(await after(outcome), { ok: true });
    assert.deepEqual(log, []);
    assert.equal(clock.pending, 0, 'the limit timer is cleared');
  });

  test('interrupts the kernel at the limit; a run that stops keeps the kernel', async () => {
    const run = deferred<boolean>();
    const { session, log } = fakeSession({ onInterrupt: () => run.resolve(false) });
    const outcome = await after(withTimeLimit(run.promise, session, 2), 2000);
    assert.deepEqual(outcome, {
      ok: false,
      stopped: 'stopped after 2 s: the kernel was interrupted (your variables are kept)'
    });
    assert.deepEqual(log, ['interrupt']);
  });

  test('restarts the kernel when the run ignores the interrupt', async () => {
    const run = deferred<boolean>();
    const { session, log } = fakeSession();
    const pending = withTimeLimit(run.promise, session, 2);
    let done = false;
    void pending.then(() => (done = true));
    await advance(2000, INTERRUPT_GRACE_MS - 1);
    assert.equal(done, false, 'still within the grace period');
    assert.deepEqual(log, ['interrupt']);
    const outcome = await after(pending, 1);
    assert.deepEqual(outcome, {
      ok: false,
      stopped:
        'stopped after 2 s: the code did not stop when interrupted, so the kernel was restarted (its variables are gone)'
    });
    assert.deepEqual(log, ['interrupt', 'restart']);
    assert.equal(clock.pending, 0);
  });

  test('says so when the notebook has no kernel any more', async () => {
    const { session } = fakeSession({ kernel: false });
    const outcome = await after(withTimeLimit(new Promise<boolean>(() => undefined), session, 1), 1000);
    assert.deepEqual(outcome, { ok: false, stopped: 'stopped after 1 s: the notebook has no kernel any more' });
  });
});
