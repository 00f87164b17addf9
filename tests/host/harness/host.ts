// Looking at and acting on the host. This machine is the host, so the tests read its files and ask
// its dockerd directly; compose and nginx are driven over SSH through tests/host/lib/on-host.sh,
// which uses the deployed release's own lib.sh (the compose invocation and container filters the
// deploy scripts use).
import * as fs from "fs";
import * as path from "path";
import * as remote from "../../../components/remote";
import { CommandResult, log, tail } from "./commands";
import { Context, Release } from "./context";
import { seconds } from "./report";
import { servesRelease } from "./releases";

const LIB_DIR = path.resolve(__dirname, "../lib");
const ON_HOST_SCRIPT = path.join(LIB_DIR, "on-host.sh");

/** The compose label every container of a project carries. */
export function projectFilter(project: string): string {
  return `label=com.docker.compose.project=${project}`;
}

/** name → "id startedAt" of every running container of the app's compose project. */
export async function containerSnapshot(ctx: Context): Promise<Record<string, string>> {
  const ids = await ctx.commands.run("docker ps", "docker", ["ps", "-q", "--filter", projectFilter(ctx.spec.appName)]);
  const list = ids.stdout.split(/\s+/).filter(Boolean);
  if (list.length === 0) return {};
  const r = await ctx.commands.run("docker inspect", "docker", ["inspect", "--format",
    "{{.Name}} {{.Id}} {{.State.StartedAt}}", ...list]);
  const snapshot: Record<string, string> = {};
  for (const line of r.stdout.trim().split("\n")) {
    const [name, id, startedAt] = line.split(" ");
    snapshot[name] = `${id.slice(0, 12)} ${startedAt}`;
  }
  return snapshot;
}

/** Where the `current` link points, or "(none)". */
export function currentLink(ctx: Context): string {
  try {
    return fs.readlinkSync(ctx.layout.current);
  } catch {
    return "(none)";
  }
}

/** Whether this release serves GET / and `current` names it. */
export async function stillServes(ctx: Context, release: Release,
  limitMs = 10_000): Promise<{ ok: boolean; seen: string }> {
  const served = await servesRelease(ctx, release.sha256, limitMs);
  const link = currentLink(ctx);
  return { ok: served.ok && link.endsWith(release.sha256), seen: `${served.seen}; current → ${link}` };
}

/** Mode (octal) of every .env under the base dir. */
export function envFileModes(ctx: Context): { file: string; mode: string }[] {
  const found: { file: string; mode: string }[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 4 || !fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && !entry.isSymbolicLink()) walk(full, depth + 1);
      else if (entry.name === ".env" && entry.isFile()) {
        found.push({ file: full, mode: (fs.statSync(full).mode & 0o777).toString(8) });
      }
    }
  };
  walk(ctx.layout.base, 0);
  return found;
}

/** "600 releases/<sha>/.env, …" for a check's detail. */
export function describeModes(ctx: Context, modes: { file: string; mode: string }[]): string {
  return modes.map((e) => `${e.mode} ${path.relative(ctx.layout.base, e.file)}`).join(", ");
}

/** on-host.sh over SSH as the deploy user, against the serving release's project (or another project directory). */
function onHost(ctx: Context, label: string, action: string, args: string[], timeoutMs = 300_000,
  projectDir = ctx.layout.active): Promise<CommandResult> {
  const script = fs.readFileSync(ON_HOST_SCRIPT, "utf8");
  const line = remote.bashScript(script, "on-host", [
    ctx.layout.activeHostLib,
    projectDir,
    ctx.spec.appName,
    ctx.spec.composeFile,
    `127.0.0.1:${ctx.env.proxyPort}`,
    action,
    ...args,
  ]);
  return ctx.commands.ssh(label, line, undefined, timeoutMs);
}

/** compose ARGS on the host, addressing the project exactly as deploy.sh does. */
export function hostCompose(ctx: Context, label: string, args: string[]): Promise<CommandResult> {
  return onHost(ctx, label, "compose", args);
}

/** compose ARGS on the host for the app's project, with the compose file of another directory (a copy of a release). */
export function hostComposeIn(ctx: Context, label: string, projectDir: string, args: string[]): Promise<CommandResult> {
  return onHost(ctx, label, "compose", args, 600_000, projectDir);
}

/** nginx re-reads its config (and so re-resolves the web containers). */
export function reloadNginx(ctx: Context): Promise<CommandResult> {
  return onHost(ctx, "nginx reload", "reload-nginx", ["nginx"]);
}

/** `docker ARGS` on this host: its trimmed stdout, or an error with the output's tail. */
export async function docker(ctx: Context, label: string, args: string[]): Promise<string> {
  const r = await ctx.commands.run(label, "docker", args);
  if (r.code !== 0) throw new Error(`${label} failed:\n${tail(r)}`);
  return r.stdout.trim();
}

/** The running containers of one service with their address on the compose network. */
export async function serviceContainers(ctx: Context, service: string): Promise<{ id: string; ip: string }[]> {
  const ids = await onHost(ctx, `containers of ${service}`, "service-containers", [service]);
  const list = ids.stdout.split(/\s+/).filter(Boolean);
  if (list.length === 0) return [];
  const r = await ctx.commands.run(`docker inspect ${service}`, "docker", ["inspect", "--format",
    "{{.Id}} {{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", ...list]);
  return r.stdout.trim().split("\n").map((line) => {
    const [id, ip] = line.trim().split(/\s+/);
    return { id, ip };
  });
}

/** One of the test's stand-ins (tests/host/lib/postgres.sh, dockerd.sh) with an action: start, stop. */
export async function standIn(ctx: Context, script: "postgres.sh" | "dockerd.sh",
  action: "start" | "stop"): Promise<CommandResult> {
  const r = await ctx.commands.run(`${script} ${action}`, "bash", [path.join(LIB_DIR, script), action], {
    timeoutMs: 180_000,
  });
  log(`  ${script} ${action}: exit ${r.code} in ${seconds(r.ms)}s`);
  return r;
}

/**
 * What `pulumi destroy` runs on the machine running Pulumi: remote.teardownFromRunnerScript() with
 * destroyCommand, sent over SSH to host:port (the key on the environment, never a command line).
 */
export function teardownFromRunner(
  ctx: Context,
  label: string,
  port: string,
  timeoutMs: number,
  via: { hostKey?: string; host?: string; proxyCommand?: string; env?: Record<string, string> } = {},
): Promise<CommandResult> {
  const env: Record<string, string> = remote.teardownEnvironment(
    {
      host: via.host ?? "127.0.0.1",
      port: Number(port),
      user: ctx.env.sshUser,
      privateKey: fs.readFileSync(ctx.env.sshKey, "utf8").trim(),
      hostKey: via.hostKey ?? hostPublicKey(ctx),
      proxyCommand: via.proxyCommand,
    },
    ctx.spec,
  );
  return ctx.commands.run(label, "bash", ["-c", remote.teardownFromRunnerScript()], { env: { ...env, ...via.env },
    timeoutMs });
}

/** The test sshd's host public key ("ssh-ed25519 AAAA…"): what the runner-side scripts pin. */
export function hostPublicKey(ctx: Context): string {
  return fs.readFileSync(ctx.env.hostPublicKeyFile, "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
}

/** The host log a failed command names (this machine is the host): its path, mode and text. */
export function hostLogOf(r: CommandResult): { file?: string; mode?: string; text: string } {
  const file = /the full output stays on the host \(mode 0600\): (\S+)$/m.exec(r.stderr)?.[1];
  if (!file || !fs.existsSync(file)) return { file, text: "" };
  return { file, mode: (fs.statSync(file).mode & 0o777).toString(8), text: fs.readFileSync(file, "utf8") };
}
