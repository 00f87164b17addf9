// Shared pieces of the sandbox tests: the fixed clock, dev's settings, and a fake workspace that
// records every call the commands make instead of reaching a Pulumi backend.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CommandContext, SandboxStack, SandboxWorkspace } from "../../scripts/lib/sandbox/context";
import { SnapshotFacts } from "../../scripts/lib/sandbox/environment";
import { ConfigMap, SandboxError } from "../../scripts/lib/sandbox/rules";

// js-yaml ships with @pulumi/pulumi (it reads stack settings with it) but without type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const yaml = require("js-yaml") as { load(text: string): unknown };

export const PROJECT = "compose-on-ec2";
export const HOUR = 3_600_000;
export const NOW = new Date("2026-11-23T12:00:00.000Z");

export const DEV_SETTINGS: Record<string, unknown> = {
  "aws:region": "eu-central-1",
  [`${PROJECT}:instanceType`]: "t3.small",
  [`${PROJECT}:dbInstanceClass`]: "db.t4g.small",
  [`${PROJECT}:dbMultiAz`]: true,
  [`${PROJECT}:dbBackupRetentionDays`]: 7,
  [`${PROJECT}:dbMaxAllocatedStorageGb`]: 100,
  [`${PROJECT}:sshPublicKey`]: "ssh-ed25519 AAAA dev",
  [`${PROJECT}:sshPrivateKey`]: { secure: "v1:abc" },
  [`${PROJECT}:sshCidrs`]: ["203.0.113.0/24"],
  [`${PROJECT}:tags`]: { team: "web" },
  [`${PROJECT}:appEnv`]: { API_TOKEN: { secure: "v1:def" } },
  [`${PROJECT}:dbUsername`]: { secure: "v1:ghi" },
  keepReleases: 3,
  [`${PROJECT}:stage`]: "dev",
};

/** A stack in the fake backend. */
export interface FakeStackState {
  history: { startTime: Date; config: ConfigMap }[];
  outputs: Record<string, unknown>;
  failDestroy?: string;
}

/** Records every call the commands make; stacks live in a map instead of a backend. */
export class FakeWorkspace implements SandboxWorkspace {
  readonly calls: string[] = [];
  readonly stacks = new Map<string, FakeStackState>();
  devSettings: Record<string, unknown> = DEV_SETTINGS;

  async projectName(): Promise<string> {
    return PROJECT;
  }
  async stackSettingsConfig(stackName: string): Promise<Record<string, unknown>> {
    this.calls.push(`stackSettings ${stackName}`);
    return this.devSettings;
  }
  async listStacks(): Promise<string[]> {
    this.calls.push("listStacks");
    return [...this.stacks.keys()];
  }
  async selectStack(name: string): Promise<SandboxStack | undefined> {
    this.calls.push(`select ${name}`);
    return this.stacks.has(name) ? this.stack(name) : undefined;
  }
  async createOrSelectStack(name: string): Promise<SandboxStack> {
    this.calls.push(`createOrSelect ${name}`);
    if (!this.stacks.has(name)) this.stacks.set(name, { history: [], outputs: {} });
    return this.stack(name);
  }
  async removeStack(name: string): Promise<void> {
    this.calls.push(`removeStack ${name}`);
    this.stacks.delete(name);
  }

  /** Adds a stack whose last update ran with `config`, first updated `ageMs` before NOW. */
  addStack(name: string, config: ConfigMap, opts: { ageMs?: number; url?: string; failDestroy?: string } = {}): void {
    const startTime = new Date(NOW.getTime() - (opts.ageMs ?? HOUR));
    this.stacks.set(name, { history: [{ startTime, config }], outputs: opts.url ? { url: opts.url } : {},
      failDestroy: opts.failDestroy });
  }

  private stack(name: string): SandboxStack {
    const state = (): FakeStackState => {
      const found = this.stacks.get(name);
      if (!found) throw new Error(`fake: stack ${name} is gone`);
      return found;
    };
    let pendingConfig: ConfigMap = {};
    return {
      name,
      writeConfig: async (config) => {
        this.calls.push(`writeConfig ${name}`);
        // What the engine records for an update: every value as text, structures as JSON.
        pendingConfig = Object.fromEntries(
          Object.entries(config).map((
            [key, v],
          ) => [key, { value: typeof v === "object" ? JSON.stringify(v) : String(v) }]),
        );
      },
      up: async (onOutput) => {
        this.calls.push(`up ${name}`);
        onOutput(`Updating (${name})\n`);
        state().history.unshift({ startTime: NOW, config: pendingConfig });
        state().outputs = { url: `http://${name}.example.test` };
      },
      destroy: async (onOutput) => {
        this.calls.push(`destroy ${name}`);
        if (state().failDestroy) throw new Error(state().failDestroy);
        onOutput(`Destroying (${name})\n`);
      },
      cancel: async () => {
        this.calls.push(`cancel ${name}`);
      },
      outputs: async () => state().outputs,
      history: async () => state().history,
    };
  }
}

export function sandboxRecordConfig(expires: string, owner = "alice", stage = "sandbox"): ConfigMap {
  return {
    [`${PROJECT}:stage`]: { value: stage },
    [`${PROJECT}:sandboxOwner`]: { value: owner },
    [`${PROJECT}:sandboxExpiresAt`]: { value: expires },
  };
}

export function context(
  workspace: FakeWorkspace,
  opts: { credentials?: boolean; docker?: boolean;
    snapshots?: (instance: string, region: string | undefined) => SnapshotFacts } = {},
): CommandContext & { printed: string[]; logged: string[] } {
  const printed: string[] = [];
  const logged: string[] = [];
  return {
    workspace,
    now: () => NOW,
    print: (line) => printed.push(line),
    log: (text) => logged.push(text),
    checkAwsCredentials: () => {
      workspace.calls.push("checkAwsCredentials");
      if (opts.credentials === false) throw new SandboxError("no AWS credentials found");
    },
    checkDocker: () => {
      workspace.calls.push("checkDocker");
      if (opts.docker === false) {
        throw new SandboxError("this stack builds images on this machine, which needs a running Docker daemon");
      }
    },
    latestAutomatedSnapshot: (instance, region) => {
      workspace.calls.push(`latestAutomatedSnapshot ${instance} ${region}`);
      if (!opts.snapshots) throw new Error("fake: no snapshot lookup expected");
      return opts.snapshots(instance, region);
    },
    printed,
    logged,
  };
}

/**
 * Stand-in command-line tools for a test: each script in a fresh temporary directory's bin/, put first
 * on PATH, with STAND_IN_DIR naming the directory (where the stand-ins keep their state and call logs).
 * `remove` puts PATH back and deletes the directory.
 */
export function installStandIns(prefix: string, tools: Record<string, string>): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.mkdirSync(path.join(dir, "bin"));
  for (const [name, script] of Object.entries(tools)) {
    fs.writeFileSync(path.join(dir, "bin", name), script, { mode: 0o755 });
  }
  const savedPath = process.env.PATH;
  process.env.PATH = `${path.join(dir, "bin")}${path.delimiter}${savedPath}`;
  process.env.STAND_IN_DIR = dir;
  return {
    dir,
    remove: () => {
      process.env.PATH = savedPath;
      delete process.env.STAND_IN_DIR;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
