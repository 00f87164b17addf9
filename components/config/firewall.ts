// Section parser: who may reach the host. Every CIDR is judged here, once: valid, each network listed
// once, within the security group's rule quota, and never the world for SSH in prod.
import { SECURITY_GROUP_INBOUND_RULES_PER_FAMILY } from "./aws";
import { checkCidr, isWorld } from "./checks";
import type { Reader } from "./reader";
import type { FirewallSettings, Transport } from "./types";

/** Ports opened per HTTP CIDR (80 and 443) and per SSH CIDR (22). */
const HTTP_PORTS_PER_CIDR = 2;
/**
 * prod's widest SSH prefix per family: an organisation's network (IPv4 /16, IPv6 /48, a site), never a
 * provider's block; halves of the internet (0.0.0.0/1 + 128.0.0.0/1) are the world too. The policy pack
 * holds the same limit (policy/transportRules.ts).
 */
const PROD_WIDEST_SSH_PREFIX = { 4: 16, 6: 48 } as const;

/** A list of CIDRs: each valid and each network once (two spellings of one network are one rule to AWS). */
function cidrs(r: Reader, key: string): { list: string[]; versions: (4 | 6)[] } {
  const list = r.list(key) ?? [];
  const versions: (4 | 6)[] = [];
  const seen = new Map<string, string>();
  const listed = list.filter((c) => checkCidr(c).ok);
  for (const c of list) {
    const check = checkCidr(c);
    if (!check.ok) {
      const same = check.canonical === undefined ? undefined : listed.find((other) => other === check.canonical);
      const fix = same
        ? `remove it: it means ${same}, which is already listed`
        : check.canonical
        ? `use ${check.canonical}`
        : "write it as address/prefix, e.g. 203.0.113.0/24 or 2001:db8::/32";
      r.bad(key, c, `is not a valid CIDR: ${check.reason}`, fix);
      continue;
    }
    versions.push(check.version);
    const earlier = seen.get(check.network);
    if (earlier !== undefined) {
      r.bad(key, c, earlier === c ? "is listed twice" : `is the same network as ${earlier}`,
        `list ${earlier} once and remove ${c}`);
    }
    seen.set(check.network, c);
  }
  return { list, versions };
}

export function parseFirewall(r: Reader): FirewallSettings {
  const http = cidrs(r, "httpCidrs");
  const transport = r.choice<Transport>("transport");
  // sshCidrs are judged either way, but open port 22 only on the ssh transport.
  const ssh = cidrs(r, "sshCidrs");
  const open = transport === "ssh" ? ssh : { list: [], versions: [] };
  // ecs opens no SSH (ECS Exec goes through SSM), and ssm needs no port 22: prod needs no allowlist there.
  if (r.stage === "prod" && r.string("hosting") !== "ecs") checkProdSsh(r, ssh.list, transport);
  for (const family of [4, 6] as const) {
    const rules = http.versions.filter((v) => v === family).length * HTTP_PORTS_PER_CIDR
      + open.versions.filter((v) => v === family).length;
    if (rules > SECURITY_GROUP_INBOUND_RULES_PER_FAMILY) {
      r.missing(
        family === 4 ? "httpCidrs/sshCidrs (IPv4)" : "httpCidrs/sshCidrs (IPv6)",
        `need ${rules} inbound rules (2 per HTTP CIDR, 1 per SSH CIDR), above a security group's default quota of ${SECURITY_GROUP_INBOUND_RULES_PER_FAMILY} per address family`,
        "merge neighbouring networks into wider CIDRs, or raise the quota with AWS first",
      );
    }
  }
  return { httpCidrs: http.list, sshCidrs: open.list, transport };
}

function checkProdSsh(r: Reader, list: string[], transport: Transport): void {
  // The schema's "unset" ([]) arrives when the stack does not set the key.
  if (list.length === 0 && transport === "ssh") {
    r.missing(
      "sshCidrs",
      "is not set, and prod on transport ssh requires an explicit SSH allowlist",
      `pulumi config set --path '${r.ns}:sshCidrs[0]' <your office or CI egress CIDR, e.g. 203.0.113.0/24>, or set ${r.ns}:transport ssm (no inbound SSH)`,
    );
  }
  const fix = "list only the CIDRs of your office/VPN and the CI runners that run `pulumi up`";
  for (const c of list) {
    const check = checkCidr(c);
    if (!check.ok) continue;
    const widest = PROD_WIDEST_SSH_PREFIX[check.version];
    if (isWorld(c)) r.bad("sshCidrs", c, "opens SSH to the whole internet, which prod forbids", fix);
    else if (Number(c.split("/")[1]) < widest) {
      r.bad("sshCidrs", c, `is wider than /${widest}, too close to the whole internet for prod SSH`, fix);
    }
  }
}
