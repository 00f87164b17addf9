// The host half of the deployment, for real: the bundle built by components/bundle.ts is uploaded
// over SFTP and deployed with the very command lines of components/remote.ts, over SSH, to this
// machine (tests/host/run.sh has started sshd, the shared dockerd and PostgreSQL). The scenarios
// below run in this order on one shared context; each is one file under scenarios/. The closing
// lines (the last is the `host-e2e:` summary) go to stdout and to $SUMMARY_FILE.
import * as fs from "fs";
import { log } from "./harness/commands";
import { createContext } from "./harness/context";
import { readEnv } from "./harness/env";
import { closingLines } from "./harness/report";
import { runScenario, Scenario } from "./harness/scenario";
import bigApp from "./scenarios/big-app";
import byoApp from "./scenarios/byo-app";
import { brokenAfterSwitch, busyDeploy, stoppedAfterSwitch } from "./scenarios/busy-deploy";
import cleanSlate from "./scenarios/clean-slate";
import codeChange from "./scenarios/code-change";
import dataMove from "./scenarios/data-move";
import dbLoginMariadb from "./scenarios/db-login-mariadb";
import ecsDbLogin from "./scenarios/ecs-db-login";
import edgeSecurity from "./scenarios/edge-security";
import edgeSystemd from "./scenarios/edge-systemd";
import failedFirstDeploy from "./scenarios/failed-first-deploy";
import faultConcurrentDeploys from "./scenarios/fault-concurrent-deploys";
import faultCutUpload from "./scenarios/fault-cut-upload";
import faultDatabaseDown from "./scenarios/fault-database-down";
import faultDockerdRestart from "./scenarios/fault-dockerd-restart";
import faultFailingHealth from "./scenarios/fault-failing-health";
import faultWebAddressChange from "./scenarios/fault-web-address-change";
import firstDeploy from "./scenarios/first-deploy";
import imageChange from "./scenarios/image-change";
import oldPipelineRestart from "./scenarios/old-pipeline-restart";
import opsVerbs from "./scenarios/ops-verbs";
import proxyResend from "./scenarios/proxy-resend";
import registryMode from "./scenarios/registry-mode";
import rehearse from "./scenarios/rehearse";
import restartFloor from "./scenarios/restart-floor";
import rsyncPipeline from "./scenarios/rsync-pipeline";
import hostKeyPinning from "./scenarios/host-key-pinning";
import https from "./scenarios/https";
import secrets from "./scenarios/secrets";
import ssmTransport from "./scenarios/ssm-transport";
import teardown from "./scenarios/teardown";
import unchangedRedeploy from "./scenarios/unchanged-redeploy";
import waitReady from "./scenarios/wait-ready";
import webRecreateFloor from "./scenarios/web-recreate-floor";
import workerJobs from "./scenarios/worker-jobs";

const SCENARIOS: Scenario[] = [
  cleanSlate,
  waitReady,
  firstDeploy,
  edgeSecurity,
  edgeSystemd,
  unchangedRedeploy,
  restartFloor,
  webRecreateFloor,
  oldPipelineRestart,
  codeChange,
  // The old pipeline's rsync deploy copies the code-change release: it runs while that one serves.
  rsyncPipeline,
  bigApp,
  busyDeploy,
  brokenAfterSwitch,
  stoppedAfterSwitch,
  imageChange,
  faultFailingHealth,
  registryMode,
  faultCutUpload,
  faultConcurrentDeploys,
  faultDatabaseDown,
  faultDockerdRestart,
  faultWebAddressChange,
  proxyResend,
  workerJobs,
  opsVerbs,
  dataMove,
  hostKeyPinning,
  ssmTransport,
  secrets,
  dbLoginMariadb,
  ecsDbLogin,
  byoApp,
  rehearse,
  https,
  teardown,
  failedFirstDeploy,
];

/** The scenarios every other one needs: a clean host with the app deployed. */
const PRECONDITIONS: Scenario[] = [cleanSlate, waitReady, firstDeploy];

/**
 * E2E_ONLY=<words>[,<words>…] runs only the scenarios whose names contain one of the given texts
 * (case-insensitive), after the preconditions; unset, every scenario runs.
 */
export function selectScenarios(only: string | undefined): Scenario[] {
  const wanted = (only ?? "").split(",").map((w) => w.trim().toLowerCase()).filter(Boolean);
  if (wanted.length === 0) return SCENARIOS;
  const picked = SCENARIOS.filter((s) => wanted.some((w) => s.name.toLowerCase().includes(w)));
  if (picked.length === 0) {
    throw new Error(`E2E_ONLY=${only} names no scenario; names: ${SCENARIOS.map((s) => s.name).join(" | ")}`);
  }
  return SCENARIOS.filter((s) => PRECONDITIONS.includes(s) || picked.includes(s));
}

async function main(): Promise<number> {
  const ctx = createContext(readEnv());
  log(
    `e2e: project ${ctx.spec.appName}, base ${ctx.layout.base}, http 127.0.0.1:${ctx.env.httpPort}, ssh port ${ctx.env.sshPort}`,
  );
  const scenarios = selectScenarios(process.env.E2E_ONLY);
  for (const s of scenarios) await runScenario(ctx, s);

  const failed = ctx.checks.failed;
  log(
    `checks: ${ctx.checks.total - failed.length}/${ctx.checks.total} passed${
      failed.length ? `; failed: ${failed.join("; ")}` : ""
    }`,
  );
  log(`all command output: ${ctx.commands.logFile}`);
  const summary = closingLines(ctx.results, scenarios.filter((s) => s.fault).length).join("\n");
  fs.writeFileSync(ctx.env.summaryFile, `${summary}\n`);
  console.log(summary);
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
