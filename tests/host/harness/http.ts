// HTTP GETs against the app: one request, or a bounded poll until an answer fits.
import * as http from "http";
import { sleep } from "./commands";

export interface HttpAnswer {
  status?: number;
  releaseId?: string;
  body: string;
  error?: string;
}

/** GET url on a fresh connection (keep-alive off), with a fixed Host the app's ALLOWED_HOSTS accepts. */
export function getUrl(url: string, timeoutMs = 5000): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    // The fixed Host header also holds when a container is asked directly by its address.
    const req = http.get(url, { agent: false, timeout: timeoutMs, headers: { Host: "127.0.0.1" } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => {
        const header = res.headers["x-release-id"];
        resolve({ status: res.statusCode, releaseId: typeof header === "string" ? header : undefined, body });
      });
      res.on("error", (error) => resolve({ body, error: error.message }));
    });
    req.on("timeout", () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on("error", (error) => resolve({ body: "", error: error.message }));
  });
}

/** GET url every 100 ms until pred holds or limitMs passed; the last answer and whether pred held. */
export async function pollUrl(
  url: string,
  pred: (a: HttpAnswer) => boolean,
  limitMs: number,
): Promise<{ ok: boolean; answer: HttpAnswer; ms: number }> {
  const started = Date.now();
  let answer: HttpAnswer = { body: "" };
  while (Date.now() - started < limitMs) {
    answer = await getUrl(url, 3000);
    if (pred(answer)) return { ok: true, answer, ms: Date.now() - started };
    await sleep(100);
  }
  return { ok: false, answer, ms: Date.now() - started };
}
