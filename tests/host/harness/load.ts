// The HTTP load loop that runs during deploys: GET / (or POST) through nginx, keep-alive off, a few
// requests in flight, counting transport errors and answers outside 2xx.
import { sleep } from "./commands";
import { Method, requestUrl, SiteTls } from "./http";
import { LoopStats } from "./report";

export interface LoopOptions {
  /** Keep going after stop() until at least this many requests were made. */
  minRequests: number;
  /** Requests in flight. */
  concurrency: number;
  /** Pause between one worker's requests. */
  pauseMs: number;
  /** GET unless set. */
  method?: Method;
  /** One request's limit (default 5 s). */
  timeoutMs?: number;
  /** Headers added to each request (e.g. the Host the app answers to). */
  headers?: Record<string, string>;
}

export const DEFAULT_LOOP: LoopOptions = { minRequests: 2000, concurrency: 4, pauseMs: 0 };

/** Requests url with `concurrency` workers until stopped AND at least `minRequests` were made (bounded). */
export class RequestLoop {
  private static readonly MAX_MS = 15 * 60_000;
  private static readonly MAX_REQUESTS = 500_000;
  private readonly stats: LoopStats = { total: 0, errors: 0, non2xx: 0, releases: {}, durationMs: 0, duringDeploy: 0,
    samples: [] };
  private stopRequested = false;
  private readonly started = Date.now();
  private readonly workers: Promise<void>[] = [];

  constructor(private readonly url: string, private readonly options: LoopOptions, private readonly tls?: SiteTls) {}

  start(): this {
    for (let i = 0; i < this.options.concurrency; i++) this.workers.push(this.worker());
    return this;
  }

  async stop(): Promise<LoopStats> {
    this.stats.duringDeploy = this.stats.total;
    this.stopRequested = true;
    await Promise.all(this.workers);
    this.stats.durationMs = Date.now() - this.started;
    return this.stats;
  }

  private done(): boolean {
    return (
      (this.stopRequested && this.stats.total >= this.options.minRequests)
      || this.stats.total >= RequestLoop.MAX_REQUESTS
      || Date.now() - this.started > RequestLoop.MAX_MS
    );
  }

  private async worker(): Promise<void> {
    while (!this.done()) {
      const answer = await requestUrl(this.url, this.options.method ?? "GET", this.options.timeoutMs ?? 5000, this.tls,
        this.options.headers);
      this.stats.total++;
      if (answer.error !== undefined) {
        this.stats.errors++;
        this.sample(`error: ${answer.error}`);
      } else if (answer.status === undefined || answer.status < 200 || answer.status > 299) {
        this.stats.non2xx++;
        this.sample(`status ${answer.status}: ${answer.body.slice(0, 80).replace(/\s+/g, " ")}`);
      } else {
        const release = answer.releaseId ?? "(none)";
        this.stats.releases[release] = (this.stats.releases[release] ?? 0) + 1;
      }
      if (this.options.pauseMs > 0) await sleep(this.options.pauseMs);
    }
  }

  private sample(text: string): void {
    if (this.stats.samples.length < 5) {
      this.stats.samples.push(`${((Date.now() - this.started) / 1000).toFixed(1)}s ${text}`);
    }
  }
}
