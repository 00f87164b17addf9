// Running commands on this machine and, over SSH/SFTP, on the host as the deploy user. Every output
// is kept (the secret scan reads it) and written to <workDir>/commands.log.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** When the command was started (epoch ms). */
  startedAt: number;
  timedOut: boolean;
}

export interface RunOptions {
  input?: string | Buffer;
  timeoutMs?: number;
  env?: Record<string, string>;
}

/** How the tests reach the host: the test's sshd on 127.0.0.1 (tests/host/lib/sshd.sh). */
export interface SshTarget {
  port: string;
  user: string;
  key: string;
  knownHosts: string;
}

export function log(message: string): void {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The last lines of a command's output, indented, for a check's detail. */
export function tail(result: CommandResult, lines = 8): string {
  return `${result.stdout}${result.stderr}`.trim().split("\n").slice(-lines).map((l) => `      | ${l}`).join("\n");
}

export class Commands {
  /** stdout and stderr of every command run so far. */
  readonly transcript: string[] = [];
  readonly logFile: string;
  private readonly sshOptions: string[];

  constructor(private readonly workDir: string, private readonly target: SshTarget) {
    fs.mkdirSync(workDir, { recursive: true });
    this.logFile = path.join(workDir, "commands.log");
    fs.writeFileSync(this.logFile, "");
    this.sshOptions = [
      "-F",
      "/dev/null",
      "-i",
      target.key,
      "-o",
      "IdentitiesOnly=yes",
      "-o",
      "BatchMode=yes",
      "-o",
      `UserKnownHostsFile=${target.knownHosts}`,
      "-o",
      "StrictHostKeyChecking=yes",
      "-o",
      "ConnectTimeout=10",
      "-o",
      "ServerAliveInterval=15",
    ];
  }

  /** Runs a command (bounded; default 10 min), its input on stdin. */
  run(label: string, command: string, args: string[], opts: RunOptions = {}): Promise<CommandResult> {
    const timeoutMs = opts.timeoutMs ?? 600_000;
    const started = Date.now();
    return new Promise((resolve) => {
      const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...opts.env } });
      let stdout = "";
      let stderr = "";
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill("SIGKILL");
      }, timeoutMs);
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.stdin.on("error", () => undefined); // the command may exit before reading stdin
      child.stdin.end(opts.input ?? "");
      child.on("error", (error) => (stderr += `spawn failed: ${error.message}\n`));
      child.on("close", (code) => {
        clearTimeout(timer);
        const ms = Date.now() - started;
        this.transcript.push(stdout, stderr);
        fs.appendFileSync(
          this.logFile,
          `### ${label} (exit ${code}${timedOut ? ", TIMED OUT" : ""}, ${ms} ms)\n$ ${command} ${args.join(" ")}\n`
            + `--- stdout\n${stdout}--- stderr\n${stderr}\n`,
        );
        resolve({ code, stdout, stderr, ms, startedAt: started, timedOut });
      });
    });
  }

  /** One command line on the host as the deploy user, exactly as the deployment sends it. */
  ssh(label: string, line: string, input?: string | Buffer, timeoutMs?: number): Promise<CommandResult> {
    return this.run(label, "ssh", [...this.sshOptions, "-p", this.target.port, `${this.target.user}@127.0.0.1`, line], {
      input,
      timeoutMs,
    });
  }

  /** SFTP upload as the deploy user (`sftp -b`), like the deployment's copy to the host. */
  sftpPut(label: string, localPath: string, remotePath: string): Promise<CommandResult> {
    const batch = path.join(this.workDir, "sftp-batch");
    fs.writeFileSync(batch, `put "${localPath}" "${remotePath}"\n`);
    return this.run(label, "sftp", [...this.sshOptions, "-P", this.target.port, "-b", batch,
      `${this.target.user}@127.0.0.1`], {
      timeoutMs: 120_000,
    });
  }
}
