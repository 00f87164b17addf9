// scripts/lib/ops/lifetime.ts: the ops run's temp key files go on every way out, signals included.
import * as assert from "assert";
import { spawn } from "child_process";
import { endOnSignals, ENDING_SIGNALS, signalExitCode, tracked } from "../../scripts/lib/ops/lifetime";

describe("ops lifetime: the key files go on every exit path", () => {
  for (const signal of ENDING_SIGNALS) {
    it(`on ${signal}: removes the files, stops the running ssh session, exits as the signal would`, async () => {
      const events: string[] = [];
      const child = tracked(spawn("sleep", ["30"]));
      const closed = new Promise<NodeJS.Signals | null>((resolve) => child.on("close", (_code, sig) => resolve(sig)));
      const release = endOnSignals(() => events.push("cleanup"), (code) => events.push(`exit ${code}`));
      try {
        process.emit(signal, signal);
      } finally {
        release();
      }
      assert.deepStrictEqual(events, ["cleanup", `exit ${signalExitCode(signal)}`]);
      assert.strictEqual(await closed, signal);
    });
  }

  it("exits 130 on SIGINT and 143 on SIGTERM, as a shell reports a process those signals ended", () => {
    assert.strictEqual(signalExitCode("SIGINT"), 130);
    assert.strictEqual(signalExitCode("SIGTERM"), 143);
    assert.strictEqual(signalExitCode("SIGHUP"), 129);
  });

  it("still exits when the cleanup itself fails", () => {
    const exits: number[] = [];
    const release = endOnSignals(() => {
      throw new Error("disk gone");
    }, (code) => exits.push(code));
    try {
      assert.throws(() => process.emit("SIGTERM", "SIGTERM"), /disk gone/);
    } finally {
      release();
    }
    assert.deepStrictEqual(exits, [143]);
  });

  it("leaves the signals alone once released (no listener of its own stays behind)", () => {
    const before = ENDING_SIGNALS.map((s) => process.listenerCount(s));
    endOnSignals(() => undefined, () => undefined)();
    assert.deepStrictEqual(ENDING_SIGNALS.map((s) => process.listenerCount(s)), before);
  });
});
