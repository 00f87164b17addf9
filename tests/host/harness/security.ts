// Security probes: checks that an attacker's move fails (a header a client forges, a path that
// dodges maintenance, a daemon that could reach Docker). Each is a check like any other, and also
// counts toward the summary's security_probes_passed=<passed>/<total>: every scenario that probes
// calls securityProbe, so one total covers them all.
import type { Context } from "./context";

/** What the probes found so far (Results.securityProbes). */
export interface SecurityProbes {
  passed: number;
  total: number;
}

/** Records one probe as a check (named "security: <name>") and in the summary's count; returns ok. */
export function securityProbe(ctx: Context, name: string, ok: boolean, detail = ""): boolean {
  const probes = (ctx.results.securityProbes ??= { passed: 0, total: 0 });
  probes.total += 1;
  if (ok) probes.passed += 1;
  return ctx.checks.check(`security: ${name}`, ok, detail);
}

/** The summary's field value: "<passed>/<total>", or n/a when no probe ran. */
export function describeSecurityProbes(probes: SecurityProbes | undefined): string {
  return probes && probes.total > 0 ? `${probes.passed}/${probes.total}` : "n/a";
}
