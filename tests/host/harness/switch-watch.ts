// Records what one deploy did on the host, for the per-step breakdown and the switch's effect on
// requests (breakdown.ts reads it): the old web container's log from just before the deploy until
// Docker removes it (followed, since it is gone afterwards), then Docker's container events, the new
// web container's log and the proxy's log over the deploy's time.
import { ChildProcess, spawn } from "child_process";
import { CommandResult } from "./commands";
import { Context } from "./context";
import { parseDockerEvents, parseTimestampedLog, SwitchObservation } from "./breakdown";
import { hostLogOf, projectFilter, serviceContainers } from "./host";

/** How long a follower may take to end once its container is gone. */
const FOLLOW_GRACE_MS = 5_000;

const unixSeconds = (ms: number) => (ms / 1000).toFixed(3);

export class SwitchWatch {
  private constructor(
    private readonly ctx: Context,
    private readonly oldWebIds: string[],
    private readonly followers: { child: ChildProcess; output: Promise<string> }[],
  ) {}

  /** Call before the deploy starts. */
  static async start(ctx: Context): Promise<SwitchWatch> {
    const oldWebIds = (await serviceContainers(ctx, ctx.spec.webService)).map((c) => c.id);
    const since = unixSeconds(Date.now());
    const followers = oldWebIds.map((id) => {
      const child = spawn("docker", ["logs", "--follow", "--timestamps", "--since", since, id], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      const output = new Promise<string>((resolve) => {
        let text = "";
        child.stdout?.on("data", (d: Buffer) => (text += d.toString()));
        child.stderr?.on("data", (d: Buffer) => (text += d.toString()));
        child.on("error", () => resolve(text));
        child.on("close", () => resolve(text));
      });
      return { child, output };
    });
    return new SwitchWatch(ctx, oldWebIds, followers);
  }

  /** Call once the deploy returned (its result, and the upload's time when there was one). */
  async finish(result: CommandResult, uploadMs?: number): Promise<SwitchObservation> {
    const sshStartMs = result.startedAt;
    const sshEndMs = result.startedAt + result.ms;
    const window = ["--since", unixSeconds(sshStartMs - 1000), "--until", unixSeconds(sshEndMs + 1000)];
    const newWebIds = (await serviceContainers(this.ctx, this.ctx.spec.webService)).map((c) => c.id).filter((id) =>
      !this.oldWebIds.includes(id)
    );
    const proxyIds = (await serviceContainers(this.ctx, this.ctx.spec.proxyService)).map((c) => c.id);
    const events = await this.ctx.commands.run("docker events of the deploy", "docker", ["events", ...window,
      "--filter", "type=container", "--filter", projectFilter(this.ctx.spec.appName), "--format", "{{json .}}"], {
      timeoutMs: 30_000,
    });
    const logsOf = async (ids: string[], args: string[]) =>
      (await Promise.all(
        ids.map((id) =>
          this.ctx.commands.run(`docker logs ${id.slice(0, 12)}`, "docker", ["logs", "--timestamps", ...args, id], {
            timeoutMs: 30_000,
          })
        ),
      ))
        .map((r) => `${r.stdout}${r.stderr}`).join("");
    return {
      sshStartMs,
      sshEndMs,
      uploadMs,
      deployLog: result.code === 0 ? result.stdout : hostLogOf(result).text,
      events: parseDockerEvents(events.stdout),
      oldWebIds: this.oldWebIds,
      newWebIds,
      newWebLog: parseTimestampedLog(await logsOf(newWebIds, [])),
      oldWebLog: parseTimestampedLog(await this.stopFollowing()),
      proxyLog: parseTimestampedLog(await logsOf(proxyIds, window)),
    };
  }

  /** The followers end when their container is removed; one still running is stopped after a grace. */
  private async stopFollowing(): Promise<string> {
    const texts = await Promise.all(this.followers.map(async ({ child, output }) => {
      const timer = setTimeout(() => child.kill("SIGTERM"), FOLLOW_GRACE_MS);
      const text = await output;
      clearTimeout(timer);
      return text;
    }));
    return texts.join("");
  }
}
