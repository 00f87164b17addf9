// Who may reach what: a web security group (HTTP/HTTPS from httpCidrs, SSH only from sshCidrs) and a DB
// security group whose only ingress is the DB port from the web group. Rules are separate
// aws.vpc.SecurityGroup{Ingress,Egress}Rule resources (one CIDR each), as the provider recommends.
// The CIDRs arrive judged by config (valid, each network once, within the quota, never the world for
// SSH in prod); this file only turns them into rules.
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { FirewallSettings } from "./config";

export interface FirewallArgs {
  /** VPC the groups belong to. */
  vpcId: pulumi.Input<string>;
  /** HTTP and SSH allowlists from the stack config. */
  settings: FirewallSettings;
  /** Port the database listens on (5432 / 3306). */
  dbPort: number;
  /** Tags for every taggable child. */
  tags: Record<string, string>;
}

/** One CIDR-based ingress rule of the web group. */
export interface CidrRule {
  /** Stable, URN-safe resource name suffix. */
  key: string;
  port: number;
  description: string;
  cidrIpv4?: string;
  cidrIpv6?: string;
}

/** A URN-safe name fragment for a CIDR ("203.0.113.0/24" → "203-0-113-0-24", "::/0" → "v6-0"). */
export function cidrSlug(cidr: string): string {
  const v6 = cidr.includes(":");
  const slug = cidr.toLowerCase().replace(/[^0-9a-f]+/g, "-").replace(/^-+|-+$/g, "");
  return v6 ? `v6-${slug}` : slug;
}

/**
 * The web group's CIDR rules: 80 and 443 from httpCidrs, 22 from sshCidrs, IPv4 and IPv6 kept apart.
 * Two different networks can share a slug ("1::2/128" and "1:2::/128"); those keys end in a hash of the
 * CIDR, so every rule has its own resource name while the usual names stay short and readable.
 */
export function webIngressRules(settings: FirewallSettings): CidrRule[] {
  const rules: CidrRule[] = [];
  const add = (port: number, what: string, cidr: string) => {
    rules.push({
      key: `${what}-${cidrSlug(cidr)}`,
      port,
      description: `${what} from ${cidr}`,
      ...(cidr.includes(":") ? { cidrIpv6: cidr } : { cidrIpv4: cidr }),
    });
  };
  for (const cidr of settings.httpCidrs) {
    add(80, "http", cidr);
    add(443, "https", cidr);
  }
  for (const cidr of settings.sshCidrs) add(22, "ssh", cidr);
  const count = new Map<string, number>();
  for (const rule of rules) count.set(rule.key, (count.get(rule.key) ?? 0) + 1);
  return rules.map((rule) => {
    if (count.get(rule.key) === 1) return rule;
    const cidr = rule.cidrIpv4 ?? rule.cidrIpv6 ?? "";
    return { ...rule, key: `${rule.key}-${crypto.createHash("sha256").update(cidr).digest("hex").slice(0, 8)}` };
  });
}

export class Firewall extends pulumi.ComponentResource {
  /** Security group of the EC2 host. */
  readonly webSecurityGroupId: pulumi.Output<string>;
  /** Security group of the RDS instance. */
  readonly dbSecurityGroupId: pulumi.Output<string>;

  constructor(name: string, args: FirewallArgs, opts?: pulumi.ComponentResourceOptions) {
    super("compose-on-ec2:firewall:Firewall", name, {}, opts);
    const rules = webIngressRules(args.settings);

    const web = new aws.ec2.SecurityGroup(
      `${name}-web`,
      { vpcId: args.vpcId, description: "Web host: HTTP(S) from httpCidrs, SSH from sshCidrs", tags: { ...args.tags, Name: `${name}-web` } },
      { parent: this },
    );
    for (const rule of rules) {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-web-${rule.key}`,
        {
          securityGroupId: web.id,
          ipProtocol: "tcp",
          fromPort: rule.port,
          toPort: rule.port,
          cidrIpv4: rule.cidrIpv4,
          cidrIpv6: rule.cidrIpv6,
          description: rule.description,
          tags: args.tags,
        },
        { parent: this },
      );
    }
    // The host pulls images and packages from anywhere; one egress rule per IP family.
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-web-egress-v4`,
      { securityGroupId: web.id, ipProtocol: "-1", cidrIpv4: "0.0.0.0/0", description: "all IPv4 egress", tags: args.tags },
      { parent: this },
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-web-egress-v6`,
      { securityGroupId: web.id, ipProtocol: "-1", cidrIpv6: "::/0", description: "all IPv6 egress", tags: args.tags },
      { parent: this },
    );

    // No egress rules: the provider removes AWS's default allow-all egress from a new group.
    const db = new aws.ec2.SecurityGroup(
      `${name}-db`,
      { vpcId: args.vpcId, description: "Database: only the DB port, only from the web host group", tags: { ...args.tags, Name: `${name}-db` } },
      { parent: this },
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-db-from-web`,
      {
        securityGroupId: db.id,
        ipProtocol: "tcp",
        fromPort: args.dbPort,
        toPort: args.dbPort,
        referencedSecurityGroupId: web.id,
        description: "DB port from the web host",
        tags: args.tags,
      },
      { parent: this },
    );

    this.webSecurityGroupId = web.id;
    this.dbSecurityGroupId = db.id;
    this.registerOutputs({ webSecurityGroupId: this.webSecurityGroupId, dbSecurityGroupId: this.dbSecurityGroupId });
  }
}
