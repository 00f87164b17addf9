// A scenario is one named step of the host tests, run in order on the shared context. A fault is a
// scenario of one shape: inject it, then check what must hold afterwards; it is survived when every
// check of `expect` passed.
import { log } from "./commands";
import type { Context } from "./context";
import { seconds } from "./report";

export interface Scenario {
  name: string;
  /** Counted in the summary's faults_survived. */
  fault: boolean;
  run: (ctx: Context) => Promise<void>;
}

export function scenario(name: string, run: (ctx: Context) => Promise<void>): Scenario {
  return { name, fault: false, run };
}

/**
 * A fault the deployment must survive. `inject` causes it (and returns what `expect` needs, e.g. the
 * failed deploy's output); `expect` checks the outcome. The fault counts as survived when every
 * check `expect` made passed. An uncounted fault reports its own figures and stays out of
 * faults_survived.
 */
export function fault<T>(
  name: string,
  inject: (ctx: Context) => Promise<T>,
  expect: (ctx: Context, injected: T) => Promise<void>,
  { counted }: { counted: boolean } = { counted: true },
): Scenario {
  return {
    name: `fault: ${name}`,
    fault: counted,
    run: async (ctx) => {
      const failedBefore = ctx.checks.failed.length;
      const injected = await inject(ctx);
      await expect(ctx, injected);
      if (counted && ctx.checks.failed.length === failedBefore) ctx.results.faultsSurvived.push(name);
    },
  };
}

/** Runs one scenario, timed; an exception is a failed check naming the scenario, and the run goes on. */
export async function runScenario(ctx: Context, s: Scenario): Promise<void> {
  const started = Date.now();
  log(`--- ${s.name}`);
  try {
    await s.run(ctx);
  } catch (error) {
    ctx.checks.check(`${s.name} ran to completion`, false, error instanceof Error ? error.message : String(error));
  } finally {
    log(`--- ${s.name}: ${seconds(Date.now() - started)}s`);
  }
}
