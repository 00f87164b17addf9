// The rehearsal: a stack's release run on the local Docker exactly as a host runs it (the bundle of
// components/bundle.ts, the command lines of components/remote.ts running host/bootstrap and
// host/release, the .env of components/deployment.ts on stdin), with a throwaway database container
// for RDS and the stack's edge in front; then the deploy's own checks and the app's contract
// (contract.ts). Everything it started is removed unless `keep`.
import { deploymentEnv, renderEnvFile } from "../../../components/deployment";
import * as remote from "../../../components/remote";
import { judgeServing } from "./checks";
import { hostLine, run } from "./commands";
import type * as contract from "./contract";
import { startDatabase } from "./database";
import { bridgeGateway, freePort, missingTools } from "./machine";
import { cleanup, prepare, type RehearseOptions } from "./rehearsal";
import { appSecretsStandIns } from "./stack";
import { uploadLocally } from "./localUpload";
import { deployFirst, redeployUnderLoad, type Deploy } from "./steps";

export interface RehearseResult {
  findings: contract.Finding[];
  /** Tools the rehearsal needs that this machine lacks (nothing ran). */
  missing: string[];
  ms: number;
}

/** Runs the rehearsal: prepare, a database stand-in, the first deploy, the contract's checks, a redeploy under load; then cleans up. */
export async function rehearse(opts: RehearseOptions): Promise<RehearseResult> {
  const started = Date.now();
  const findings: contract.Finding[] = [];
  const missing = await missingTools();
  if (missing.length > 0) return { findings, missing, ms: Date.now() - started };
  const r = await prepare(opts, findings);
  try {
    await run("docker", ["rm", "-f", "-v", r.dbName]);
    const gateway = await bridgeGateway();
    const db = await startDatabase(r.c.database, r.dbName, gateway, await freePort(), r.dbPassword);
    r.log(`  database stand-in ${db.image} on ${gateway} (container ${r.dbName})`);
    const envFor = (sha: string) => renderEnvFile(deploymentEnv({
      appEnv: r.c.app.env,
      appSecrets: appSecretsStandIns(opts.stack),
      databaseUrl: db.url,
      secretKey: r.secretKey,
      releaseId: sha,
      allowedHosts: r.hosts,
      tls: r.c.site.tls,
    }));
    const deploy: Deploy = async (bundle) => {
      uploadLocally(r.spec, bundle);
      const out = await hostLine(remote.deployCommand(r.spec, bundle.sha256), envFor(bundle.sha256), 900_000);
      const reason = out.out.split("\n").filter((l) => /ERROR|not ready|last probe/.test(l)).slice(-3).join(" | ");
      return { ok: out.code === 0, reason, out: out.out };
    };
    const deployed = await deployFirst(r, deploy, findings, envFor);
    const edge = deployed.ok ? `http://127.0.0.1:${r.ports.http}` : `http://127.0.0.1:${r.ports.proxy}`;
    findings.push(...await judgeServing(r, edge, db, deployed));
    if (deployed.ok) findings.push(await redeployUnderLoad(r, deploy, edge));
  } finally {
    await cleanup(r);
  }
  return { findings, missing, ms: Date.now() - started };
}
