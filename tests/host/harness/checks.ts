// PASS/FAIL checks: each one is logged with its detail and kept for the closing count.
import { log } from "./commands";

export class Checks {
  private readonly results: { name: string; ok: boolean }[] = [];

  /** Records and logs one check; returns ok so a scenario can stop when a precondition failed. */
  check(name: string, ok: boolean, detail = ""): boolean {
    this.results.push({ name, ok });
    log(`${ok ? "PASS" : "FAIL"} ${name}${detail ? `: ${detail}` : ""}`);
    return ok;
  }

  get total(): number {
    return this.results.length;
  }

  /** Names of the checks that failed so far. */
  get failed(): string[] {
    return this.results.filter((c) => !c.ok).map((c) => c.name);
  }
}
