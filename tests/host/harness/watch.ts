// The secret watch on the process list: while deploys run, `ps -eww -o args` is sampled every ~50 ms
// and searched for the secrets' values (reported by name, the value masked).
import { execFile } from "child_process";
import { sleep } from "./commands";
import { leakedSecrets, maskSecrets } from "./report";

export class ProcessListWatch {
  samples = 0;
  readonly leaks: string[] = [];
  private running = false;
  /** Deploys in progress: concurrent deploys share one sampler, which stops after the last. */
  private users = 0;
  private loop: Promise<void> = Promise.resolve();

  constructor(private readonly secrets: Record<string, string>) {}

  start(): void {
    this.users++;
    if (this.running) return;
    this.running = true;
    this.loop = this.sampleUntilStopped();
  }

  async stop(): Promise<void> {
    this.users--;
    if (this.users > 0) return;
    this.running = false;
    await this.loop;
  }

  private async sampleUntilStopped(): Promise<void> {
    while (this.running) {
      const text = await processList();
      this.samples++;
      for (const name of leakedSecrets(text, this.secrets)) {
        const line = text.split("\n").find((l) => l.includes(this.secrets[name])) ?? "";
        this.leaks.push(`${name} in: ${maskSecrets(line, this.secrets).slice(0, 200)}`);
      }
      await sleep(50);
    }
  }
}

function processList(): Promise<string> {
  return new Promise((resolve) =>
    execFile("ps", ["-eww", "-o", "args"], { maxBuffer: 16 * 1024 * 1024 }, (_error, stdout) => resolve(stdout ?? ""))
  );
}
