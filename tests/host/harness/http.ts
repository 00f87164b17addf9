// HTTP requests against the app (GET, or POST with a small body): one request, or a bounded poll
// until an answer fits.
import * as http from "http";
import * as https from "https";
import type { TLSSocket } from "tls";
import { sleep } from "./commands";

export interface HttpAnswer {
  status?: number;
  releaseId?: string;
  body: string;
  error?: string;
  headers?: http.IncomingHttpHeaders;
  /** https: the serial number of the certificate the server presented. */
  certSerial?: string;
}

/** An https:// URL on 127.0.0.1 asked as a site name (SNI and Host), verified against `ca` only. */
export interface SiteTls {
  name: string;
  ca: string;
}

/** The methods the tests send: GET, and POST with a small form body. */
export type Method = "GET" | "POST";
const POST_BODY = "n=1";

/**
 * GET url on a fresh connection (keep-alive off), with a fixed Host the app's ALLOWED_HOSTS accepts
 * (http) or as the site `tls.name` with its certificate verified against `tls.ca` (https).
 */
export function getUrl(url: string, timeoutMs = 5000, tls?: SiteTls): Promise<HttpAnswer> {
  return requestUrl(url, "GET", timeoutMs, tls);
}

/**
 * One request as getUrl sends it, by `method` (a POST carries a small form body); `extra` headers
 * are added or replace the defaults (e.g. another Host, X-Forwarded-Proto, a cookie).
 */
export function requestUrl(url: string, method: Method, timeoutMs = 5000, tls?: SiteTls,
  extra: http.OutgoingHttpHeaders = {}): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    // The fixed Host header also holds when a container is asked directly by its address.
    const headers: http.OutgoingHttpHeaders = { Host: tls ? tls.name : "127.0.0.1" };
    if (method === "POST") {
      Object.assign(headers, { "Content-Type": "application/x-www-form-urlencoded",
        "Content-Length": POST_BODY.length });
    }
    Object.assign(headers, extra);
    const options = { method, agent: false, timeout: timeoutMs, headers,
      ...(tls ? { servername: tls.name, ca: tls.ca } : {}) };
    const req = (tls ? https : http).request(url, options, (res) => {
      let body = "";
      const certSerial = tls ? (res.socket as TLSSocket).getPeerCertificate().serialNumber : undefined;
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => {
        const header = res.headers["x-release-id"];
        resolve({ status: res.statusCode, releaseId: typeof header === "string" ? header : undefined, body,
          headers: res.headers, certSerial });
      });
      res.on("error", (error) => resolve({ body, error: error.message }));
    });
    req.on("timeout", () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on("error", (error) => resolve({ body: "", error: error.message }));
    req.end(method === "POST" ? POST_BODY : undefined);
  });
}

/** GET url every 100 ms until pred holds or limitMs passed; the last answer and whether pred held. */
export async function pollUrl(
  url: string,
  pred: (a: HttpAnswer) => boolean,
  limitMs: number,
  tls?: SiteTls,
): Promise<{ ok: boolean; answer: HttpAnswer; ms: number }> {
  const started = Date.now();
  let answer: HttpAnswer = { body: "" };
  while (Date.now() - started < limitMs) {
    answer = await getUrl(url, 3000, tls);
    if (pred(answer)) return { ok: true, answer, ms: Date.now() - started };
    await sleep(100);
  }
  return { ok: false, answer, ms: Date.now() - started };
}
