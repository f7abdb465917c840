import { ISessionContext } from '@jupyterlab/apputils';

/** How long an interrupted kernel may take to stop before it is restarted. */
export const INTERRUPT_GRACE_MS = 3000;

/** How a cell run from the sidebar ended. */
export interface IRunOutcome {
  /** It finished without error. */
  ok: boolean;
  /** Why it was stopped ("stopped after 120 s: …"), when it ran past the time limit. */
  stopped?: string;
}

/**
 * Wait for `run` (a cell running in the kernel of `session`) for at most `limitS`
 * seconds. Past that, the kernel is interrupted; if the cell is still running
 * `INTERRUPT_GRACE_MS` later (code that catches KeyboardInterrupt), the kernel is
 * restarted. Enforced from here, outside the kernel: nothing the code does defeats it.
 */
export async function withTimeLimit(
  run: Promise<boolean>,
  session: ISessionContext,
  limitS: number
): Promise<IRunOutcome> {
  const finished = run.then(
    ok => ({ ok }),
    () => ({ ok: false })
  );
  const inTime = await within(finished, limitS * 1000);
  if (inTime) {
    return inTime;
  }
  const stopped = `stopped after ${limitS} s`;
  const kernel = session.session?.kernel;
  if (!kernel) {
    return { ok: false, stopped: `${stopped}: the notebook has no kernel any more` };
  }
  await kernel.interrupt();
  if (await within(finished, INTERRUPT_GRACE_MS)) {
    return { ok: false, stopped: `${stopped}: the kernel was interrupted (your variables are kept)` };
  }
  await session.restartKernel();
  return {
    ok: false,
    stopped: `${stopped}: the code did not stop when interrupted, so the kernel was restarted (its variables are gone)`
  };
}

/** What `promise` resolves to, or null when `ms` pass first. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer = 0;
  const late = new Promise<null>(resolve => {
    timer = window.setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    window.clearTimeout(timer);
  }
}
