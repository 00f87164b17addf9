// The rehearsal's deploys: the first release as on the host (started without the health gate to
// diagnose a failure) and a second one through the gapless switch under load.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createAppBundle, createBundle, HOST_SCRIPTS_DIR, HOST_SCRIPTS_PREFIX } from "../../../components/bundle";
import * as remote from "../../../components/remote";
import { DB_CA, HOST_LAYOUT } from "../../../components/layout";
import { PROJECT_ROOT } from "../../../lib/engine";
import { RequestLoop } from "../../../tests/host/harness/load";
import { hostLine } from "./commands";
import * as contract from "./contract";
import { onHost, type Rehearsal } from "./rehearsal";

/** The deploy of one bundle, as ComposeDeployment runs it: upload, then the deploy line with the .env on stdin. */
export type Deploy = (
  bundle: { path: string; sha256: string; storeDir: string },
) => Promise<{ ok: boolean; reason: string; out: string }>;

/** Step 2: the first release, deployed as on the host; after a failure it is started without the health gate to diagnose it. */
export async function deployFirst(r: Rehearsal, deploy: Deploy, findings: contract.Finding[],
  envFor: (sha: string) => string): Promise<{ ok: boolean; reason: string }> {
  const ready = await hostLine(remote.waitReadyCommand(r.spec), undefined, 120_000);
  if (ready.code !== 0) throw new Error(`wait-ready failed: ${ready.out.trim().split("\n").slice(-3).join(" ")}`);
  const first = createAppBundle(PROJECT_ROOT, r.c.app.dir, r.c.app.composeFile, { allowFiles: r.c.app.allowFiles,
    warn: (m) => r.log(`  bundle: ${m}`) });
  r.log(`  deploying release ${first.sha256.slice(0, 12)} (${first.files.length} files)…`);
  const deployed = await deploy(first);
  const check = "deploy: the release deploys as on the host (build, migrate, health gate, edge)";
  findings.push(deployed.ok
    ? { check, ok: true, detail: `release ${first.sha256.slice(0, 12)}` }
    : { check, ok: false, detail: deployed.reason || deployed.out.trim().split("\n").slice(-3).join(" | "),
      cause: "the deploy failed (the checks below name why)",
      fix: "fix what the checks below name; the deploy's whole log is under the base directory's logs/ (--keep)" });
  if (!deployed.ok) {
    // Nothing serves after a failed first deploy: start the release without the health gate, so
    // the checks below can still name every problem in one rehearsal.
    r.log("  the deploy failed: starting the release without the health gate to diagnose it");
    // A release that failed before its switch keeps no env file (only the serving and the previous
    // release do): the diagnosis writes it back, mode 0600 as the deploy does.
    const envPath = path.join(r.baseDir, "active", path.dirname(r.c.app.composeFile), r.spec.envFile);
    if (fs.existsSync(path.dirname(envPath)) && !fs.existsSync(envPath)) {
      fs.writeFileSync(envPath, envFor(first.sha256), { mode: 0o600 });
    }
    const up = await onHost(r, ["compose", "up", "-d"], {
      env: { MAINTENANCE_DIR: path.join(r.baseDir, HOST_LAYOUT.maintenance),
        [DB_CA.hostDirVariable]: path.join(r.baseDir, HOST_LAYOUT.dbCa) },
      timeoutMs: 600_000,
    });
    if (up.code !== 0) r.log(`  could not start it: ${up.out.trim().split("\n").slice(-3).join(" | ")}`);
    await new Promise((done) => setTimeout(done, 8000));
  }
  return deployed;
}

/** Step 4: a second release (the same app and one marker file) through the gapless switch under a small load loop. */
export async function redeployUnderLoad(r: Rehearsal, deploy: Deploy, edge: string): Promise<contract.Finding> {
  const markerDir = fs.mkdtempSync(path.join(os.tmpdir(), `${r.appName}-marker-`));
  fs.writeFileSync(path.join(markerDir, "redeploy"), `${Date.now()}\n`);
  const second = createBundle({
    appDir: path.relative(process.cwd(), r.appDir) || ".",
    outDir: path.relative(process.cwd(), path.join(PROJECT_ROOT, ".pulumi-bundles")),
    extraDirs: [{ dir: path.relative(process.cwd(), path.join(PROJECT_ROOT, HOST_SCRIPTS_DIR)),
      prefix: HOST_SCRIPTS_PREFIX }, { dir: markerDir, prefix: ".rehearsal/" }],
    alwaysInclude: [r.c.app.composeFile],
    allowFiles: r.c.app.allowFiles,
  });
  fs.rmSync(markerDir, { recursive: true, force: true });
  const loop = new RequestLoop(`${edge}/`, { minRequests: 50, concurrency: 2, pauseMs: 20,
    headers: { Host: r.hosts[0] } }).start();
  r.log(`  redeploying release ${second.sha256.slice(0, 12)} under load…`);
  const again = await deploy(second);
  const stats = await loop.stop();
  return contract.judgeRedeploy(again.ok, again.reason, stats.total, stats.errors + stats.non2xx, stats.samples);
}
