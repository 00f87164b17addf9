// A real registry on loopback in place of ECR: Debian's docker-registry (distribution 2.8), its
// storage under the work dir. dockerd trusts 127.0.0.0/8 registries without TLS.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { log, sleep } from "./commands";
import { Context } from "./context";
import { pollUrl } from "./http";

export const REGISTRY_ADDR = "127.0.0.1:25000";

/** Starts the registry and waits (bounded) until it answers; stop() ends it (bounded). */
export async function startRegistry(ctx: Context): Promise<{ addr: string; stop: () => Promise<void> }> {
  const dir = path.join(ctx.env.workDir, "registry");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, "data"), { recursive: true });
  const config = path.join(dir, "config.yml");
  fs.writeFileSync(config,
    `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: ${REGISTRY_ADDR}\n`);
  const child = spawn("docker-registry", ["serve", config], {
    stdio: ["ignore", "ignore", fs.openSync(path.join(dir, "registry.log"), "w")],
  });
  // run.sh stops a registry left behind by a killed run by this pid.
  fs.writeFileSync(path.join(dir, "registry.pid"), `${child.pid}\n`);
  const up = await pollUrl(`http://${REGISTRY_ADDR}/v2/`, (a) => a.status === 200, 30_000);
  if (!up.ok) {
    child.kill("SIGKILL");
    throw new Error(`docker-registry did not answer on ${REGISTRY_ADDR}: ${up.answer.error ?? up.answer.status}`);
  }
  log(`  registry: docker-registry answering on ${REGISTRY_ADDR}`);
  return {
    addr: REGISTRY_ADDR,
    stop: async () => {
      child.kill("SIGTERM");
      for (let i = 0; i < 50 && child.exitCode === null && child.signalCode === null; i++) await sleep(100);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      fs.rmSync(path.join(dir, "registry.pid"), { force: true });
    },
  };
}
