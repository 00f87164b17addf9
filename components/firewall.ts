// Who may reach what. ec2: a web security group (HTTP/HTTPS from httpCidrs, SSH only from sshCidrs,
// and on transport ssm no SSH at all: config hands over no sshCidrs then).
// ecs: a load balancer group (HTTP/HTTPS from httpCidrs, egress only to the tasks) and a tasks group
// whose only ingress is the app port from the load balancer group. Either way a DB security group
// whose only ingress is the DB port from the group the web service runs in. Rules are separate
// aws.vpc.SecurityGroup{Ingress,Egress}Rule resources (one CIDR each), as the provider recommends.
// The CIDRs arrive judged by config (valid, each network once, within the quota, never the world for
// SSH in prod); this file only turns them into rules.
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { FirewallSettings, Hosting } from "./config";

export interface FirewallArgs {
  /** VPC the groups belong to. */
  vpcId: pulumi.Input<string>;
  /** HTTP and SSH allowlists from the stack config. */
  settings: FirewallSettings;
  /** Port the database listens on (5432 / 3306). */
  dbPort: number;
  /** Tags for every taggable child. */
  tags: Record<string, string>;
  /** ec2 (default): the web host's group; ecs: load balancer and tasks groups. */
  hosting?: Hosting;
  /** ecs: the port the tasks' web container listens on (the load balancer's target port). */
  appPort?: number;
  /** The managed cache's port (cache: redis): a cache group admitting it from the web group only; undefined: no cache group. */
  cachePort?: number;
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
export function webIngressRules(settings: Pick<FirewallSettings, "httpCidrs" | "sshCidrs">): CidrRule[] {
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
  /** Security group the web service runs in: the EC2 host's (ec2) or the Fargate tasks' (ecs). */
  readonly webSecurityGroupId: pulumi.Output<string>;
  /** ecs: security group of the load balancer, the only source the tasks admit. */
  readonly loadBalancerSecurityGroupId?: pulumi.Output<string>;
  /** Security group of the RDS instance. */
  readonly dbSecurityGroupId: pulumi.Output<string>;
  /** Security group of the managed cache (cache: redis only). */
  readonly cacheSecurityGroupId?: pulumi.Output<string>;

  constructor(name: string, args: FirewallArgs, opts?: pulumi.ComponentResourceOptions) {
    super("compose-on-ec2:firewall:Firewall", name, {}, opts);
    let web: aws.ec2.SecurityGroup;
    if (args.hosting === "ecs") {
      const groups = this.createEcsGroups(name, args);
      web = groups.tasks;
      this.loadBalancerSecurityGroupId = groups.lb.id;
    } else {
      web = this.createWebHostGroup(name, args);
    }
    const db = this.createDbGroup(name, args, web);
    this.webSecurityGroupId = web.id;
    this.dbSecurityGroupId = db.id;
    if (args.cachePort !== undefined) {
      this.cacheSecurityGroupId = this.createCacheGroup(name, args, web, args.cachePort).id;
    }
    this.registerOutputs({ webSecurityGroupId: this.webSecurityGroupId,
      loadBalancerSecurityGroupId: this.loadBalancerSecurityGroupId, dbSecurityGroupId: this.dbSecurityGroupId,
      cacheSecurityGroupId: this.cacheSecurityGroupId });
  }

  /** ecs: the groups of the load balancer and of the tasks; refuses a firewall made for ec2. */
  ecsGroups(): { loadBalancer: pulumi.Output<string>; tasks: pulumi.Output<string> } {
    if (this.loadBalancerSecurityGroupId === undefined) {
      throw new Error('Firewall: made for hosting ec2, it has no load balancer group (pass hosting: "ecs")');
    }
    return { loadBalancer: this.loadBalancerSecurityGroupId, tasks: this.webSecurityGroupId };
  }

  private createWebHostGroup(name: string, args: FirewallArgs): aws.ec2.SecurityGroup {
    const web = this.group(`${name}-web`, args, "Web host: HTTP(S) from httpCidrs, SSH from sshCidrs");
    for (const rule of webIngressRules(args.settings)) this.cidrIngress(`${name}-web-${rule.key}`, args, web, rule);
    // The host pulls images and packages from anywhere; one egress rule per IP family.
    this.egressAll(`${name}-web-egress-v4`, args, web, { cidrIpv4: "0.0.0.0/0" }, "all IPv4 egress");
    this.egressAll(`${name}-web-egress-v6`, args, web, { cidrIpv6: "::/0" }, "all IPv6 egress");
    return web;
  }

  /**
   * ecs: the load balancer takes HTTP(S) from httpCidrs and may send only to the tasks' port; the
   * tasks take only that port, only from the load balancer (no SSH: ECS Exec goes through SSM).
   */
  private createEcsGroups(name: string,
    args: FirewallArgs): { lb: aws.ec2.SecurityGroup; tasks: aws.ec2.SecurityGroup } {
    if (args.appPort === undefined) throw new Error("Firewall: hosting ecs needs appPort (the tasks' web port)");
    const lb = this.group(`${name}-lb`, args, "Load balancer: HTTP(S) from httpCidrs, to the web tasks only");
    for (const rule of webIngressRules({ httpCidrs: args.settings.httpCidrs, sshCidrs: [] })) {
      this.cidrIngress(`${name}-lb-${rule.key}`, args, lb, rule);
    }
    const tasks = this.group(`${name}-tasks`, args, "Web tasks: the app port from the load balancer only");
    this.groupIngress(`${name}-tasks-from-lb`, args, tasks, { port: args.appPort, from: lb,
      description: "app port from the load balancer" });
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-lb-to-tasks`,
      { securityGroupId: lb.id, ipProtocol: "tcp", fromPort: args.appPort, toPort: args.appPort,
        referencedSecurityGroupId: tasks.id, description: "requests and health checks to the web tasks",
        tags: args.tags },
      { parent: this },
    );
    // Tasks pull images (ECR), read their secrets (SSM), write logs and media (CloudWatch, S3).
    this.egressAll(`${name}-tasks-egress-v4`, args, tasks, { cidrIpv4: "0.0.0.0/0" }, "all IPv4 egress");
    return { lb, tasks };
  }

  /**
   * The DB's group: only the DB port, only from the group the web service runs in; no egress rules
   * (the provider removes AWS's default allow-all egress from a new group).
   * One description for both hostings: EC2 replaces a group whose description changes, and a
   * replaced DB group would cut the old host off the database while a switch to ecs is under way.
   */
  private createDbGroup(name: string, args: FirewallArgs, web: aws.ec2.SecurityGroup): aws.ec2.SecurityGroup {
    const ecs = args.hosting === "ecs";
    const db = this.group(`${name}-db`, args, "Database: only the DB port, only from the web host group");
    const description = ecs ? "DB port from the web tasks" : "DB port from the web host";
    this.groupIngress(ecs ? `${name}-db-from-tasks` : `${name}-db-from-web`, args, db, { port: args.dbPort, from: web,
      description });
    return db;
  }

  /**
   * The cache's group: only the cache port, only from the group the web service runs in (the ec2 host,
   * whose compose services share its network, or the ecs tasks, web and workers alike); no egress rules.
   * One description for both hostings, as the DB group's: a changed description replaces the group.
   */
  private createCacheGroup(name: string, args: FirewallArgs, web: aws.ec2.SecurityGroup,
    port: number): aws.ec2.SecurityGroup {
    const ecs = args.hosting === "ecs";
    const cache = this.group(`${name}-cache`, args, "Cache: only the cache port, only from the web group");
    const description = ecs ? "cache port from the tasks" : "cache port from the web host";
    this.groupIngress(ecs ? `${name}-cache-from-tasks` : `${name}-cache-from-web`, args, cache, { port, from: web,
      description });
    return cache;
  }

  /** A security group in the stack's VPC, named by its resource name. */
  private group(resourceName: string, args: FirewallArgs, description: string): aws.ec2.SecurityGroup {
    return new aws.ec2.SecurityGroup(resourceName, { vpcId: args.vpcId, description,
      tags: { ...args.tags, Name: resourceName } }, { parent: this });
  }

  /** A TCP port from one CIDR (a rule of webIngressRules). */
  private cidrIngress(resourceName: string, args: FirewallArgs, group: aws.ec2.SecurityGroup, rule: CidrRule): void {
    new aws.vpc.SecurityGroupIngressRule(
      resourceName,
      { securityGroupId: group.id, ipProtocol: "tcp", fromPort: rule.port, toPort: rule.port, cidrIpv4: rule.cidrIpv4,
        cidrIpv6: rule.cidrIpv6, description: rule.description, tags: args.tags },
      { parent: this },
    );
  }

  /** A TCP port from another of the stack's groups only. */
  private groupIngress(resourceName: string, args: FirewallArgs, group: aws.ec2.SecurityGroup,
    rule: { port: number; from: aws.ec2.SecurityGroup; description: string }): void {
    new aws.vpc.SecurityGroupIngressRule(
      resourceName,
      { securityGroupId: group.id, ipProtocol: "tcp", fromPort: rule.port, toPort: rule.port,
        referencedSecurityGroupId: rule.from.id, description: rule.description, tags: args.tags },
      { parent: this },
    );
  }

  /** All traffic out to one address family. */
  private egressAll(resourceName: string, args: FirewallArgs, group: aws.ec2.SecurityGroup,
    to: { cidrIpv4?: string; cidrIpv6?: string }, description: string): void {
    new aws.vpc.SecurityGroupEgressRule(resourceName, { securityGroupId: group.id, ipProtocol: "-1", ...to, description,
      tags: args.tags }, { parent: this });
  }
}
