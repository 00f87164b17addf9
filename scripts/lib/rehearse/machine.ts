// What the rehearsal needs of this machine: its tools, a free port, the Docker bridge's address.
import * as net from "net";
import { run } from "./commands";

/** What the rehearsal needs on this machine; the missing ones, each with what it is for. */
export async function missingTools(): Promise<string[]> {
  const missing: string[] = [];
  const has = async (cmd: string, args: string[]) => (await run(cmd, args, { timeoutMs: 20_000 })).code === 0;
  if (!(await has("docker", ["version"]))) {
    missing.push(
      `docker: no Docker daemon answers${
        process.env.DOCKER_HOST ? ` at DOCKER_HOST=${process.env.DOCKER_HOST}` : ""
      } (install Docker and start it, or set DOCKER_HOST)`,
    );
  } else if (!(await has("docker", ["compose", "version"])) && !(await has("docker-compose", ["version"]))) {
    missing.push("docker compose: neither `docker compose` nor `docker-compose` is installed");
  }
  for (const [tool, why] of [["haproxy", "the stack's edge"], ["curl", "the deploy's health checks"], ["flock",
    "the deploy lock"], ["sha256sum", "the bundle check"], ["tar", "unpacking the bundle"]]) {
    if (!(await has("sh", ["-c", `command -v ${tool} || test -x /usr/sbin/${tool}`]))) {
      missing.push(`${tool}: not installed (${why})`);
    }
  }
  return missing;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** The address containers reach this machine at: the default bridge's gateway. */
export async function bridgeGateway(): Promise<string> {
  const r = await run("docker", ["network", "inspect", "bridge", "--format", "{{(index .IPAM.Config 0).Gateway}}"], {
    timeoutMs: 20_000,
  });
  const ip = r.out.trim();
  if (r.code !== 0 || !/^\d+\.\d+\.\d+\.\d+$/.test(ip)) {
    throw new Error(`cannot read the docker bridge's gateway address: ${r.out.trim()}`);
  }
  return ip;
}
