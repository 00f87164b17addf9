// The policy rules of the deployment's transport. A stack's transport shows in its resources: ssh
// steps are pulumi-command remote resources; ssm steps are local.Commands whose OpenSSH goes through
// a ProxyCommand (SESSION_PROXY_COMMAND). On ssm no inbound port 22 may exist at all; on ssh, prod's
// port 22 may be open only within the configured allowlist (sshCidrs: the stack config in the plan,
// the policy pack's config under CrossGuard) and never wider than /16 (IPv6 /48) in any case.
// Built from rules.ts's helpers (handed in, so neither module imports the other at run time).
import * as net from "net";
import { PolicyConfig, PolicyResource, Rule, allIngress, coversPort, ownIngress, resourceRule, stackRule,
  stageOf } from "./core";

/** The policy's configuration: the allowlist the stack was configured with. */
export type TransportPolicyConfig = PolicyConfig;

export type Transport = "ssh" | "ssm";

const SSH_PORT = 22;
/** The widest SSH prefix prod allows on ssh, per family: one organisation's network (config refuses anything wider too). */
const WIDEST_PROD_PREFIX = { ipv4: 16, ipv6: 48 } as const;

/** The transport a stack's deployment uses, from its step resources; undefined when it has none (ecs). */
export function transportOf(all: PolicyResource[]): Transport | undefined {
  if (all.some((r) => r.type === "command:remote:Command" || r.type === "command:remote:CopyToRemote")) return "ssh";
  const isSession = (r: PolicyResource) => {
    const env = r.props.environment;
    return r.type === "command:local:Command" && typeof env === "object" && env !== null
      && "SESSION_PROXY_COMMAND" in env;
  };
  return all.some(isSession) ? "ssm" : undefined;
}

/** "203.0.113.0/24" → its family, address and prefix; undefined when it is not a CIDR. */
function parseCidr(cidr: string): { family: "ipv4" | "ipv6"; address: string; prefix: number } | undefined {
  const [address, bits] = cidr.split("/");
  const family = net.isIPv4(address) ? "ipv4" : net.isIPv6(address) ? "ipv6" : undefined;
  const prefix = Number(bits);
  if (!family || !/^\d+$/.test(bits ?? "") || prefix > (family === "ipv4" ? 32 : 128)) return undefined;
  return { family, address, prefix };
}

/** True when every address of `inner` lies within `outer` (both CIDRs). */
export function cidrWithin(inner: string, outer: string): boolean {
  const a = parseCidr(inner);
  const b = parseCidr(outer);
  if (!a || !b || a.family !== b.family || a.prefix < b.prefix) return false;
  const list = new net.BlockList();
  list.addSubnet(b.address, b.prefix, b.family);
  return list.check(a.address, a.family);
}

/** Why one CIDR on prod's port 22 is too wide, or undefined. */
export function sshCidrProblem(cidr: string, allowlist: string[] | undefined): string | undefined {
  const c = parseCidr(cidr);
  if (!c) return `port 22 is open to ${cidr}, which is not a CIDR`;
  if (c.prefix < WIDEST_PROD_PREFIX[c.family]) {
    return `port 22 is open to ${cidr}, wider than /${
      WIDEST_PROD_PREFIX[c.family]
    } (too close to the whole internet for prod)`;
  }
  if (allowlist && !allowlist.some((a) => cidrWithin(cidr, a))) {
    return `port 22 is open to ${cidr}, outside the configured allowlist (sshCidrs: ${allowlist.join(", ") || "none"})`;
  }
  return undefined;
}

function transportRulesOf(): Rule[] {
  // Judged per security group and rule, before it is created: on transport ssm any port-22 rule is
  // refused anyway (ssm-no-inbound-ssh), so this needs no knowledge of the stack's transport.
  const prodSshWithinAllowlist = resourceRule(
    "prod-ssh-within-allowlist",
    "In prod, port 22 is open only within the configured allowlist (sshCidrs), never wider than /16 (IPv6 /48).",
    (r, config) => {
      if (stageOf(r, config) !== "prod") return [];
      return ownIngress(r).filter((rule) => coversPort(rule, SSH_PORT)).flatMap((rule) => rule.cidrs.flatMap((cidr) => {
        const problem = sshCidrProblem(cidr, config?.sshCidrs);
        return problem ? [`${problem}; list only your own ranges in sshCidrs, or use transport ssm`] : [];
      }));
    },
    true,
  );
  const ssmNoInboundSsh = stackRule(
    "ssm-no-inbound-ssh",
    "On transport ssm (the deployment reaches the host through Session Manager), no security group rule opens port 22.",
    (all) => {
      if (transportOf(all) !== "ssm") return [];
      return allIngress(all).filter((rule) => coversPort(rule, SSH_PORT)).map((rule) => ({
        policy: "ssm-no-inbound-ssh",
        resource: rule.owner.name,
        urn: rule.owner.urn,
        message: `port 22 is open (${
          [...rule.cidrs, ...rule.sourceGroups].join(", ") || "to a group"
        }) although the deployment uses transport ssm; remove the rule`,
      }));
    },
  );
  return [prodSshWithinAllowlist, ssmNoInboundSsh];
}

/** The rules of this family. */
export const transportRules: Rule[] = transportRulesOf();
