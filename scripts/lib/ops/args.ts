// `npm run ops -- <verb> [verb args…] [--stack NAME | --host H …]`: splitting the command line into
// the verb, the verb's own arguments (passed to the host script as they are) and where the host is.
// Pure: tested in tests/unit/ops.test.ts.
import { EXIT_CODES_HELP, UsageError } from "../cli";

/** The verbs; each but `ssh` is host/release/ops/<verb>.sh. */
export const OPS_VERBS = ["status", "logs", "exec", "releases", "rollback", "maintenance", "db", "media",
  "ssh"] as const;
export type OpsVerb = (typeof OPS_VERBS)[number];

/** A refusal with the fix in its message (exit 2: bad usage). */
export class OpsUsageError extends UsageError {}

/** Where the host is, from flags (a host without Pulumi state) or the stack's outputs. */
export interface TargetFlags {
  stack?: string;
  host?: string;
  port?: string;
  user?: string;
  /** A private key FILE (its content never travels on a command line). */
  key?: string;
  baseDir?: string;
  knownHosts?: string;
  /** Trust the host key shown on first contact (no pinned key, no known_hosts file): only when asked. */
  acceptNewHostKey?: boolean;
}

export interface OpsCommand {
  verb: OpsVerb;
  /** Passed on to the host script, in order (for exec: the service, `--`, then the command). */
  verbArgs: string[];
  target: TargetFlags;
}

const TARGET_FLAGS: Record<string, Exclude<keyof TargetFlags, "acceptNewHostKey">> = {
  "--stack": "stack",
  "--host": "host",
  "--port": "port",
  "--user": "user",
  "--key": "key",
  "--base-dir": "baseDir",
  "--known-hosts": "knownHosts",
};

/** The one way to skip host-key verification, spelled out. */
const ACCEPT_NEW_HOST_KEY = "--accept-new-host-key";

export const OPS_USAGE =
  `usage: npm run ops -- <verb> [args] (--stack NAME | --host ADDRESS [--port 22] [--user U] --key FILE [--base-dir DIR]) [--known-hosts FILE | ${ACCEPT_NEW_HOST_KEY}]

verbs:
  status [--json]                          serving release, containers and health, /healthz through the proxy, disk
  logs [SERVICE] [-f] [--since 10m] [--tail N]
  exec SERVICE -- COMMAND [ARGS...]        e.g. exec web -- python manage.py createsuperuser (a TTY when stdin is one)
  releases [--json]                        kept releases, newest first; which serves
  rollback [RELEASE]                       switch to a kept release (default: the previous one), no build
  maintenance on [--message TEXT] | off    503 + Retry-After for every path but the health check
  db dump [--out FILE]                     the stack's database, streamed from the host (stdout without --out)
  db restore [--in FILE] [--force]         a dump (stdin without --in) into it; --force over existing tables
  db copy --from SOURCE [--force]          another database straight into it (SOURCE: env:NAME or file:PATH holding its URL)
  db verify --from SOURCE                  row counts and checksums of every table of SOURCE, here and there
                                           (db: --image IMAGE for the clients, default postgres:16 / mysql:8.0)
  media sync --from DIR|HOST:PATH          uploaded media into the stack's volume, or its bucket with mediaStorage s3:
                                           missing or changed files only, then both sides compared
                                           (--bucket NAME [--prefix P]: into that bucket under your own AWS credentials;
                                           --prefix is django-storages' AWS_LOCATION, the example app's is media)
  ssh                                      an interactive shell on the host

The host comes from the stack's outputs (state: .pulumi-state/ or PULUMI_BACKEND_URL), or from the flags.
Its SSH host key is verified against the stack's pinned hostPublicKey or --known-hosts; ${ACCEPT_NEW_HOST_KEY}
trusts the key the host shows on first contact instead (only when you have no other way).

${EXIT_CODES_HELP}; exec passes the command's own code on, and an ssh that cannot connect or log in is 1`;

/** Splits argv (what follows `npm run ops --`). Everything after `--` belongs to the verb as it is. */
export function parseOpsArgs(argv: string[]): OpsCommand {
  const dashDash = argv.indexOf("--");
  const own = dashDash < 0 ? argv : argv.slice(0, dashDash);
  const passThrough = dashDash < 0 ? [] : argv.slice(dashDash);
  const target: TargetFlags = {};
  const rest: string[] = [];
  for (let i = 0; i < own.length; i++) {
    if (own[i] === ACCEPT_NEW_HOST_KEY) {
      target.acceptNewHostKey = true;
      continue;
    }
    const name = own[i].split("=")[0];
    const field = TARGET_FLAGS[name];
    if (!field) {
      rest.push(own[i]);
      continue;
    }
    const inline = own[i].includes("=") ? own[i].slice(name.length + 1) : undefined;
    const value = inline ?? own[++i];
    if (value === undefined || value === "" || (inline === undefined && value.startsWith("--"))) {
      throw new OpsUsageError(`${name} needs a value`);
    }
    target[field] = value;
  }
  const [verb, ...verbArgs] = rest;
  if (!verb) throw new OpsUsageError(`name a verb\n\n${OPS_USAGE}`);
  if (!(OPS_VERBS as readonly string[]).includes(verb)) {
    throw new OpsUsageError(`unknown verb '${verb}' (one of ${OPS_VERBS.join(", ")})`);
  }
  if (verb === "ssh" && verbArgs.length + passThrough.length > 0) {
    throw new OpsUsageError("ssh takes no arguments: it opens a shell on the host");
  }
  if (verb === "exec" && passThrough.length < 2) {
    throw new OpsUsageError(
      "exec needs the command after --, e.g. npm run ops -- exec web --stack dev -- python manage.py check",
    );
  }
  if (target.stack !== undefined && target.host !== undefined) {
    throw new OpsUsageError(
      "give --stack (the host from the stack's outputs) or --host (a host without Pulumi state), not both",
    );
  }
  // media sync --bucket goes straight to S3: it needs neither a stack nor a host.
  const bucketOnly = verb === "media" && verbArgs.some((a) => a === "--bucket" || a.startsWith("--bucket="));
  if (target.stack === undefined && target.host === undefined && !bucketOnly) {
    throw new OpsUsageError(`say which host: --stack NAME or --host ADDRESS\n\n${OPS_USAGE}`);
  }
  return { verb: verb as OpsVerb, verbArgs: [...verbArgs, ...passThrough], target };
}

/** Whether the verb gets a terminal when the caller has one: a shell, a command, or logs that follow (Ctrl-C stops them on the host). */
export function wantsTty(command: OpsCommand): boolean {
  if (command.verb === "ssh" || command.verb === "exec") return true;
  return command.verb === "logs" && command.verbArgs.some((a) => a === "-f" || a === "--follow");
}
