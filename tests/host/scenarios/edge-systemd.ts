// The edge's unit under a real systemd: a container of the systemd-host stand-in (systemd 252 as PID 1,
// Debian's HAProxy) is provisioned by host/cloud-init/provision.sh's own functions, then the edge is
// started and restarted through the deploy user's sudo rule (tests/host/lib/systemd-edge.sh). Each
// property the unit promises is read from /proc: HAProxy as its own user, in its own group only (not
// docker), cap_net_bind_service its one capability, 80 and 443 bound after a restart, no file
// capability on the binary, the master CLI reachable through the group's socket, no other sudo; the
// renewal timer enabled and scheduled, the ACME service run as its own user for this base directory only.
import * as path from "path";
import { tail } from "../harness/commands";
import type { Context } from "../harness/context";
import { scenario } from "../harness/scenario";
import { securityProbe } from "../harness/security";

const REPO = path.resolve(__dirname, "../../..");
const CONTAINER = "compose-on-ec2-e2e-systemd";
const IMAGE = "compose-on-ec2-standin/systemd-host:1";
/** Where the files cloud-init writes go inside the container. */
const DIR = "/opt/compose-on-ec2";

/**
 * systemd in a container needs to mount its cgroups and its /run (https://systemd.io/CONTAINER_INTERFACE/):
 * CAP_SYS_ADMIN, the host's cgroup tree and tmpfs for /run; this machine refuses --privileged.
 */
const RUN_FLAGS = ["--cap-add", "SYS_ADMIN", "--security-opt", "seccomp=unconfined", "--cgroupns=host", "-v",
  "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--tmpfs", "/run", "--tmpfs", "/run/lock"];

/** Bounded: systemd reports the system up (running; or degraded: a unit of the image failed, which the probes then show). */
async function systemdUp(ctx: Context): Promise<string> {
  let state = "";
  for (let i = 0; i < 60 && !["running", "degraded"].includes(state); i++) {
    if (i > 0) await new Promise((done) => setTimeout(done, 1000));
    state = (await ctx.commands.run("systemd state", "docker", ["exec", CONTAINER, "systemctl", "is-system-running"]))
      .stdout.trim();
  }
  return state;
}

export default scenario("the edge's unit under systemd: own user, one capability, 80/443 after a restart",
  async (ctx) => {
    await ctx.commands.run("remove an old systemd host", "docker", ["rm", "-f", CONTAINER]);
    try {
      const started = await ctx.commands.run("systemd host", "docker", ["run", "-d", "--name", CONTAINER, ...RUN_FLAGS,
        IMAGE]);
      const state = started.code === 0 ? await systemdUp(ctx) : "";
      if (!ctx.checks.check("a container boots systemd as PID 1", ["running", "degraded"].includes(state),
        `${state} ${tail(started, 4)}`)) return;
      await ctx.commands.run("systemd host: dir", "docker", ["exec", CONTAINER, "mkdir", "-p", DIR]);
      for (const file of ["host/cloud-init/provision.sh", "host/release/layout.sh", "tests/host/lib/systemd-edge.sh"]) {
        await ctx.commands.run(`copy ${file}`, "docker", ["cp", path.join(REPO, file),
          `${CONTAINER}:${DIR}/${path.basename(file)}`]);
      }
      const r = await ctx.commands.run("the edge under systemd", "docker", ["exec", CONTAINER, "bash",
        `${DIR}/systemd-edge.sh`, DIR], { timeoutMs: 180_000 });
      const probes = [...r.stdout.matchAll(/^PROBE (ok|FAIL) ([^:]+): (.*)$/gm)];
      ctx.checks.check("provision.sh sets up the edge's unit and the probes run", r.code === 0 && probes.length >= 13,
        tail(r, 20));
      for (const [, verdict, name, seen] of probes) securityProbe(ctx, `systemd: ${name}`, verdict === "ok", seen);
    } finally {
      await ctx.commands.run("remove the systemd host", "docker", ["rm", "-f", CONTAINER]);
    }
  });
