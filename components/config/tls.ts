// Section parser: how the site reaches browsers. On ec2 a domain means HTTPS from the host, with a
// certificate from an ACME server (HTTP-01); on ecs the load balancer's ACM certificate needs a hosted
// zone (hosting.ts). allowPlainHttp is the explicit opt-out the policy asks of a prod stack without TLS.
import { ACME_DIRECTORIES } from "./acme";
import { hasControlCharacter } from "./checks";

export { ACME_DIRECTORIES } from "./acme";
import type { Reader } from "./reader";
import type { HostingSettings, SiteSettings, TlsSettings } from "./types";

/**
 * Contact domains Let's Encrypt refuses for an account (its policy forbids the reserved example
 * domains of RFC 2606), so a placeholder address fails at config time instead of on the host.
 */
const FORBIDDEN_CONTACT_DOMAINS = ["example.com", "example.net", "example.org"];

/** Why `email` cannot be an ACME account's contact, or undefined. */
export function acmeEmailProblem(email: string, acmeServer: string): string | undefined {
  if (hasControlCharacter(email) || /\s/.test(email)) return "has spaces or control characters";
  const parts = email.split("@");
  if (parts.length !== 2) return `must have exactly one @ (it has ${parts.length - 1})`;
  const [local, domain] = parts;
  if (local === "") return "has nothing before the @";
  if (!/^[^.]+(\.[^.]+)+$/.test(domain)) return `has no dot in its domain part ("${domain}"), or an empty label`;
  const forbidden = FORBIDDEN_CONTACT_DOMAINS.find((d) =>
    domain.toLowerCase() === d || domain.toLowerCase().endsWith(`.${d}`)
  );
  if (forbidden && isLetsEncrypt(acmeServer)) {
    return `is at ${forbidden}, a reserved example domain Let's Encrypt refuses as a contact`;
  }
  return undefined;
}

/** Why `url` is not an ACME directory URL we can use, or undefined. */
export function acmeServerProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "is not a URL";
  }
  if (parsed.protocol !== "https:") {
    return `uses ${parsed.protocol.replace(/:$/, "")}: ACME directories are served over https`;
  }
  if (parsed.username || parsed.password) return "has credentials in it";
  if (/\s/.test(url)) return "has spaces";
  return undefined;
}

/** True for Let's Encrypt's production or staging directory. */
export function isLetsEncrypt(acmeServer: string): boolean {
  return (Object.values(ACME_DIRECTORIES) as string[]).includes(acmeServer);
}

/** How a certificate authority reads in the plan and the outputs ("Let's Encrypt staging", …). */
export function acmeServerName(acmeServer: string): string {
  if (acmeServer === ACME_DIRECTORIES.letsEncrypt) return "Let's Encrypt";
  if (acmeServer === ACME_DIRECTORIES.letsEncryptStaging) return "Let's Encrypt staging";
  return `the ACME server ${acmeServer}`;
}

const TLS_KEYS = ["acmeEmail", "acmeServer", "hsts"];

/** The settings that need a host certificate are refused where none is made, rather than ignored. */
function refuseUnused(r: Reader, why: string, fix: (key: string) => string): void {
  for (const key of TLS_KEYS) if (r.isSet(key)) r.bad(key, r.string(key), why, fix(key));
}

function hostTls(r: Reader, domains: string[]): TlsSettings {
  const acmeServer = r.text("acmeServer");
  const serverProblem = acmeServerProblem(acmeServer);
  if (serverProblem) {
    r.bad("acmeServer", acmeServer, serverProblem,
      `use the https URL of the ACME directory, e.g. ${ACME_DIRECTORIES.letsEncrypt}, or remove acmeServer for the stage's default`);
  }
  const acmeEmail = r.string("acmeEmail");
  if (acmeEmail === undefined) {
    r.missing("acmeEmail", "is not set, and a domain on hosting ec2 needs it for the ACME account",
      "pulumi config set acmeEmail you@your-company.com");
  } else {
    const problem = acmeEmailProblem(acmeEmail, acmeServer);
    if (problem) r.bad("acmeEmail", acmeEmail, problem, "use an address that receives mail, e.g. ops@your-company.com");
  }
  return { domains, acmeEmail: acmeEmail ?? "", acmeServer, hsts: r.choice<"true" | "false">("hsts") === "true" };
}

/** The site's TLS: the host's certificate settings (ec2 with a domain) and the plain-HTTP opt-out. */
export function parseTls(r: Reader, hosting: Pick<HostingSettings, "kind" | "domain" | "hostedZoneId">): SiteSettings {
  const allowPlainHttp = r.flag("allowPlainHttp");
  let tls: TlsSettings | undefined;
  if (hosting.kind === "ecs") {
    refuseUnused(r, "applies to hosting ec2 only: on ecs the load balancer's certificate comes from ACM",
      (key) => `remove ${key}`);
  } else if (hosting.domain.length === 0) {
    refuseUnused(r, "is set without domain: without a name there is no certificate",
      (key) => `also set domain, or remove ${key}`);
  } else {
    tls = hostTls(r, hosting.domain);
  }
  // allowPlainHttp stays harmless once a domain brings HTTPS: adding the names is all it takes.
  const https = tls !== undefined
    || (hosting.kind === "ecs" && hosting.domain.length > 0 && hosting.hostedZoneId !== undefined);
  return { tls, allowPlainHttp, https };
}

/** Where the site's certificate comes from, for the plan and the `certificateSource` output. */
export function certificateSource(hosting: Pick<HostingSettings, "kind" | "domain">, site: SiteSettings): string {
  if (site.tls) return `${acmeServerName(site.tls.acmeServer)} via HTTP-01 on the host`;
  if (site.https) return "ACM, validated through the Route 53 hosted zone";
  const why = hosting.domain.length === 0 ? "no domain" : "no hostedZoneId, which ACM needs";
  return `none: plain HTTP (${why}${site.allowPlainHttp ? "; allowPlainHttp" : ""})`;
}
