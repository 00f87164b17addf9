// What every command-line tool of this project (plan, ops, sandbox, and any added later) shares:
// `--help`, the exit codes, and how a refusal is printed. docs/reference/cli.md's table of exit codes is this.

/** The exit codes of every CLI here. A verb that runs a command on the host may pass that command's own code on (ops exec). */
export const EXIT = {
  /** Done, nothing failed. */
  ok: 0,
  /** Ran and failed: a policy rule, a refused configuration, a host that could not be reached, a failed deploy. */
  failed: 1,
  /** Bad usage: an unknown flag or verb, a missing or malformed argument, a file named on the command line that is not there. Nothing ran. */
  usage: 2,
} as const;

/** A refusal of the command line itself (exit 2); its message names the argument and the fix. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** True when the arguments ask for help: `--help` or `-h` before any `--` (after it, arguments belong to someone else). */
export function wantsHelp(argv: string[]): boolean {
  const own = argv.includes("--") ? argv.slice(0, argv.indexOf("--")) : argv;
  return own.includes("--help") || own.includes("-h");
}

export interface Cli {
  /** The name refusals start with (`plan: …`). */
  name: string;
  /** The whole `--help` text: usage, what it does, options, exit codes. */
  help: string;
  /** Runs the command; resolves to its exit code. Throws UsageError for bad usage, anything else for a failure. */
  main(argv: string[]): Promise<number>;
}

/** The exit code and the stderr text for an error a CLI's main threw. */
export function describeFailure(name: string, err: unknown): { code: number; text: string } {
  if (err instanceof UsageError || (err instanceof Error && err.name === "UsageError")) {
    return { code: EXIT.usage, text: `${name}: ${err.message}\n(${name} --help shows the usage)\n` };
  }
  return { code: EXIT.failed, text: `${name}: ${err instanceof Error ? err.message : String(err)}\n` };
}

/** Writes and exits once stdout and stderr have flushed (process.exit alone can cut a piped output). */
export function exitAfterFlush(code: number): void {
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

/** Runs a CLI: `--help` prints its help (exit 0); otherwise main's code, or 2/1 for what it threw. */
export function runCli(cli: Cli, argv: string[] = process.argv.slice(2)): void {
  if (wantsHelp(argv)) {
    process.stdout.write(`${cli.help}\n`);
    return exitAfterFlush(EXIT.ok);
  }
  cli.main(argv).then(exitAfterFlush, (err: unknown) => {
    const { code, text } = describeFailure(cli.name, err);
    process.stderr.write(text);
    exitAfterFlush(code);
  });
}

/** The exit-code paragraph every `--help` ends with. */
export const EXIT_CODES_HELP =
  `exit codes: ${EXIT.ok} ok, ${EXIT.failed} failed (the reason on stderr), ${EXIT.usage} bad usage (nothing ran)`;
