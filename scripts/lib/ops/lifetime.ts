// How long ops's secrets live: the stack's key and the pinned host key sit in a 0600 temp directory
// for exactly one run. Node's default on SIGINT, SIGTERM and SIGHUP is to exit at once, past every
// `finally` (https://nodejs.org/api/process.html#signal-events: "the default behavior … is to reset
// the terminal mode before exiting with code 128 + signal number"; a listener replaces it), so a
// Ctrl-C, a cancelled CI job or a closed terminal would leave the key on disk. endOnSignals removes
// it first, stops the ssh sessions still running (a SIGTERM reaches ops alone, not its children),
// then exits as the signal would have.
import type { ChildProcess } from "child_process";
import * as os from "os";

/** The signals that end an ops run early. */
export const ENDING_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
export type EndingSignal = (typeof ENDING_SIGNALS)[number];

const children = new Set<ChildProcess>();

/** Registers a child (an ssh session) to be stopped when ops is; returns it. */
export function tracked<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.on("close", () => children.delete(child));
  child.on("error", () => children.delete(child));
  return child;
}

/** The exit code of a process ended by `signal`: 128 + its number (130 for SIGINT, 143 for SIGTERM). */
export function signalExitCode(signal: EndingSignal): number {
  return 128 + os.constants.signals[signal];
}

/**
 * Until the returned function is called: on any ENDING_SIGNALS, run `cleanup`, pass the signal on to
 * the tracked children, and exit with signalExitCode. `exit` is process.exit (tests pass their own).
 */
export function endOnSignals(cleanup: () => void,
  exit: (code: number) => void = (code) => process.exit(code)): () => void {
  const listeners = ENDING_SIGNALS.map((signal) => {
    const listener = () => {
      try {
        cleanup();
      } finally {
        for (const child of children) child.kill(signal);
        exit(signalExitCode(signal));
      }
    };
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  return () => {
    for (const [signal, listener] of listeners) process.off(signal, listener);
  };
}
