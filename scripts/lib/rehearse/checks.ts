// The rehearsal's checks of what serves: the app's contract (contract.ts) asked of the running release.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { requestUrl } from "../../../tests/host/harness/http";
import { run } from "./commands";
import * as contract from "./contract";
import { onHost, type Rehearsal } from "./rehearsal";

const POST_BODY_HEADERS = (host: string, extra: Record<string, string>) => ({ Host: host, ...extra });

/** Step 3: the app's contract, judged on what serves: health, host names, CSRF behind TLS, the proxy, static files, migrations, mounts. */
export async function judgeServing(r: Rehearsal, edge: string,
  db: { tables: () => Promise<{ tables?: string[]; error?: string }> },
  deployed: { ok: boolean; reason: string }): Promise<contract.Finding[]> {
  const { c, appDir } = r;
  const proxy = `http://127.0.0.1:${r.ports.proxy}`;
  const ask = (url: string, method: "GET" | "POST", headers: Record<string, string>) =>
    requestUrl(url, method, 10_000, undefined, headers);
  const health = await ask(`${proxy}${c.app.healthPath}`, "GET", { Host: "127.0.0.1" });
  const healthWithSiteHost = health.status === 400
    ? await ask(`${proxy}${c.app.healthPath}`, "GET", { Host: r.hosts[0] })
    : undefined;
  const findings = [
    contract.judgeHealth(c.app.healthPath, health, appDir, deployed.ok ? undefined : deployed.reason,
      healthWithSiteHost),
  ];
  const pages = await Promise.all(
    r.hosts.map(async (host) => ({ host, answer: await ask(`${edge}/`, "GET", { Host: host }) })),
  );
  findings.push(contract.judgeHostNames(pages, appDir));

  const proxyIds = (await onHost(r, ["service-containers", c.app.proxyService])).out.split(/\s+/).filter(Boolean);
  const nginxT = proxyIds.length > 0
    ? await run("docker", ["exec", proxyIds[0], "nginx", "-T"], { timeoutMs: 30_000 })
    : undefined;
  const proxyProto = contract.judgeProxyForwardsProto(nginxT && nginxT.code === 0 ? nginxT.out : undefined, appDir);

  const site = r.hosts[0];
  const origin = `https://${site}`;
  const token = crypto.randomBytes(16).toString("hex");
  const xfp = { "X-Forwarded-Proto": "https" };
  const withToken = { Cookie: `csrftoken=${token}`, "X-CSRFToken": token };
  findings.push(...contract.judgeCsrf({
    noToken: await ask(`${proxy}/`, "POST", POST_BODY_HEADERS(site, {})),
    secureNoReferer: await ask(`${proxy}/`, "POST", POST_BODY_HEADERS(site, { ...xfp, ...withToken })),
    fullPost: await ask(`${proxy}/`, "POST",
      POST_BODY_HEADERS(site, { ...xfp, ...withToken, Origin: origin, Referer: `${origin}/` })),
  }, origin, appDir, proxyProto));
  findings.push(proxyProto);

  const staticPath = /(?:href|src)="(\/static\/[^"?#]+)/.exec(pages[0].answer.body)?.[1];
  findings.push(
    contract.judgeStatic(staticPath, staticPath ? await ask(`${edge}${staticPath}`, "GET", { Host: site }) : undefined,
      appDir),
  );
  const t = await db.tables();
  findings.push(contract.judgeMigrations(t.tables, t.error, appDir));
  const releaseRoots = [
    ...new Set([path.join(r.baseDir, "releases"), fs.realpathSync(path.join(r.baseDir, "releases")),
      path.join(r.baseDir, "active"), path.join(fs.realpathSync(r.baseDir), "active")]),
  ];
  findings.push(contract.judgeMounts(await bindMounts(r.appName), releaseRoots, `${c.app.dir}/${c.app.composeFile}`));
  return findings;
}

/** The bind mounts of the project's running containers, per service. */
async function bindMounts(appName: string): Promise<{ service: string; source: string; destination: string }[]> {
  const all = (await run("docker", ["ps", "-q", "--filter", `label=com.docker.compose.project=${appName}`])).out.split(
    /\s+/,
  ).filter(Boolean);
  if (all.length === 0) return [];
  const lines =
    (await run("docker", ["inspect", "--format",
      `{{index .Config.Labels "com.docker.compose.service"}}{{range .Mounts}}{{if eq .Type "bind"}} {{.Source}}={{.Destination}}{{end}}{{end}}`,
      ...all])).out;
  return lines.split("\n").filter(Boolean).flatMap((line) => {
    const [service, ...binds] = line.split(" ");
    return binds.map((b) => ({ service, source: b.split("=")[0], destination: b.split("=").slice(1).join("=") }));
  });
}
