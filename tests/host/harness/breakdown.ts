// Where a redeploy's time goes, and what the switch did to requests: pure functions over what the
// host recorded during one deploy (no I/O; switch-watch.ts collects it, tests/unit/host-breakdown.test.ts
// checks them). Sources: the deploy's own log (each line `[deploy +<s>s] …`, and one `clock:` line
// that anchors those offsets to the epoch), Docker's container events, and the containers' logs
// with Docker's timestamps.

/** A line with the time it was written (epoch ms). */
export interface TimedLine {
  atMs: number;
  text: string;
}

/** One Docker container event (create, start, kill, die, destroy, health_status…). */
export interface DockerEvent {
  atMs: number;
  action: string;
  id: string;
}

/** Everything recorded during one deploy. */
export interface SwitchObservation {
  sshStartMs: number;
  sshEndMs: number;
  uploadMs?: number;
  /** The deploy's log: what it handed back, or its log on the host when it failed. */
  deployLog: string;
  events: DockerEvent[];
  oldWebIds: string[];
  newWebIds: string[];
  newWebLog: TimedLine[];
  /** The old web container's log from before the deploy until it was removed. */
  oldWebLog: TimedLine[];
  proxyLog: TimedLine[];
}

export interface BreakdownStep {
  name: string;
  ms?: number;
  /** Runs beside the steps of the critical path (not part of their sum). */
  parallel?: boolean;
}

const DEPLOY_LINE = /^\[deploy \+(\d+(?:\.\d+)?)s\] (.*)$/;
const CLOCK_LINE = /clock: script started at epoch_us=(\d+)/;

/** The deploy's log lines with their epoch time; empty without the clock line. */
export function parseDeployLog(text: string): TimedLine[] {
  const lines = text.split("\n").map((l) => DEPLOY_LINE.exec(l)).filter((m): m is RegExpExecArray => m !== null);
  const clock = lines.map((m) => CLOCK_LINE.exec(m[2])).find((m) => m !== null);
  if (!clock) return [];
  const startMs = Number(clock[1]) / 1000;
  return lines.map((m) => ({ atMs: startMs + Math.round(Number(m[1]) * 1000), text: m[2] }));
}

/** `docker events --format '{{json .}}'` output. */
export function parseDockerEvents(text: string): DockerEvent[] {
  const events: DockerEvent[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim().startsWith("{")) continue;
    try {
      const e = JSON.parse(line) as { Action?: string; status?: string; id?: string; Actor?: { ID?: string };
        timeNano?: number; time?: number };
      const id = e.Actor?.ID ?? e.id ?? "";
      const atMs = e.timeNano !== undefined ? e.timeNano / 1e6 : (e.time ?? 0) * 1000;
      events.push({ atMs, action: e.Action ?? e.status ?? "", id });
    } catch {
      // a partial line when the stream was cut: skip it
    }
  }
  return events;
}

/** `docker logs --timestamps` output: `<RFC 3339 with nanoseconds>Z <text>` per line. */
export function parseTimestampedLog(text: string): TimedLine[] {
  const lines: TimedLine[] = [];
  for (const line of text.split("\n")) {
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z (.*)$/.exec(line);
    if (!m) continue;
    const fraction = Number(`0${m[2] ?? ".0"}`);
    lines.push({ atMs: Date.parse(`${m[1]}Z`) + fraction * 1000, text: m[3] });
  }
  return lines;
}

const sameContainer = (a: string, b: string) =>
  a.length >= 12 && b.length >= 12 && (a.startsWith(b) || b.startsWith(a));

function firstEvent(o: SwitchObservation, ids: string[], action: string): number | undefined {
  return o.events.find((e) => e.action === action && ids.some((id) => sameContainer(id, e.id)))?.atMs;
}

function lastEvent(o: SwitchObservation, ids: string[], action: string): number | undefined {
  return o.events.filter((e) => e.action === action && ids.some((id) => sameContainer(id, e.id))).pop()?.atMs;
}

function lineAt(lines: TimedLine[], pattern: RegExp): number | undefined {
  return lines.find((l) => pattern.test(l.text))?.atMs;
}

function between(from: number | undefined, to: number | undefined): number | undefined {
  return from !== undefined && to !== undefined ? Math.round(to - from) : undefined;
}

/** The moment each step of the deploy began or ended (epoch ms); undefined when not recorded. */
function milestones(o: SwitchObservation) {
  const log = parseDeployLog(o.deployLog);
  return {
    scriptStart: lineAt(log, CLOCK_LINE),
    webUp: lineAt(log, /(building \S+ and starting the new container|starting the new \S+ container) beside/),
    created: firstEvent(o, o.newWebIds, "create"),
    started: firstEvent(o, o.newWebIds, "start"),
    listening: lineAt(o.newWebLog, /Listening at: /),
    healthy: lineAt(log, /new container\(s\) healthy/),
    retiring: lineAt(log, /retiring the old container\(s\)/),
    oldKill: firstEvent(o, o.oldWebIds, "kill"),
    oldDie: lastEvent(o, o.oldWebIds, "die"),
    retired: lineAt(log, /^retired /),
    finalCheck: lineAt(log, /^waiting for \S+ through/),
    edgeServes: lineAt(log, /^the edge serves the app/),
    promoted: lineAt(log, /^current → /),
    deployed: lineAt(log, /^deployed /),
  };
}

/**
 * The critical path of a redeploy: each step runs from the milestone before it (the first from the
 * SSH session's start) to its own, so they add up to the deploy command's time.
 */
// dprint-ignore
const CRITICAL_PATH = [
  ["connect_verify_unpack", "scriptStart"], ["lock_env_prepare", "webUp"], ["build", "created"],
  ["create_to_start", "started"], ["start_to_listening", "listening"], ["listening_to_healthy", "healthy"],
  ["switch", "retiring"], ["others_up", "finalCheck"], ["final_check_edge", "edgeServes"],
  ["retire_wait", "promoted"], ["promote_prune", "deployed"], ["hand_back", "sshEnd"],
] as const;

/**
 * The critical path step by step, then the old container's retirement, which runs beside the other
 * services coming up, the check through nginx and the edge's start (retire_wait: what is left of it
 * after those).
 */
export function redeployBreakdown(o: SwitchObservation): BreakdownStep[] {
  const m = { ...milestones(o), sshEnd: o.sshEndMs };
  let from: number | undefined = o.sshStartMs;
  const path = CRITICAL_PATH.map(([name, to]): BreakdownStep => {
    const step = { name, ms: between(from, m[to]) };
    from = m[to];
    return step;
  });
  return [
    { name: "upload", ms: o.uploadMs, parallel: true },
    ...path,
    { name: "old_stop", ms: between(m.oldKill, m.oldDie), parallel: true },
    { name: "old_retire", ms: between(m.retiring, m.retired), parallel: true },
  ];
}

const ACCESS_LINE = /"[A-Z]+ (\S+) HTTP\/[\d.]+" \d{3} /;

/** Requests the old web container answered after its stop began (Docker's kill event); undefined when no stop was seen. */
export function oldAfterStop(o: SwitchObservation): { total: number; health: number } | undefined {
  const stopAt = firstEvent(o, o.oldWebIds, "kill");
  if (stopAt === undefined) return undefined;
  const after = o.oldWebLog.filter((l) => l.atMs >= stopAt).map((l) => ACCESS_LINE.exec(l.text)).filter((m) =>
    m !== null
  );
  return { total: after.length, health: after.filter((m) => m?.[1].startsWith("/healthz")).length };
}

/** nginx's error lines about an upstream (a reset, refused or closed connection it retried or failed) during the deploy. */
export function upstreamRetries(o: SwitchObservation): { total: number; kinds: Record<string, number> } {
  const kinds: Record<string, number> = {};
  const lines = o.proxyLog.filter((l) =>
    l.atMs >= o.sshStartMs && l.atMs <= o.sshEndMs && /\[error\].*upstream/.test(l.text)
  );
  for (const l of lines) {
    const kind = /\(\d+: ([^)]+)\)/.exec(l.text)?.[1]
      ?? (/upstream (prematurely closed|timed out)/.exec(l.text)?.[0] ?? "other");
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return { total: lines.length, kinds };
}

/** `name=<s>` per step, one decimal, n/a when a step was not recorded. */
export function describeBreakdown(steps: BreakdownStep[]): string {
  const s = (ms?: number) => (ms === undefined ? "n/a" : (ms / 1000).toFixed(1));
  const path = steps.filter((x) => !x.parallel).map((x) => `${x.name}=${s(x.ms)}`).join(" ");
  const beside = steps.filter((x) => x.parallel).map((x) => `${x.name}=${s(x.ms)}`).join(" ");
  return `${path} | beside: ${beside}`;
}
