// Shared by the config tests: the problems of a config that must be refused.
import * as assert from "assert";
import { ConfigError } from "../../components/config";

/** Runs a parse that must fail and returns its problems; fails the test when it succeeds or throws anything else. */
export function problemsOfParse(parse: () => unknown, what: string): string[] {
  try {
    parse();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
    return e.problems;
  }
  assert.fail(`expected ${what} to be refused`);
}
