// SiteDns: the site's names in Route 53, for both hostings: the one owner of the records named after
// the site's host names. ec2 points them at the host's Elastic IP (A records); ecs at the load
// balancer (alias A records). Created at the same place whatever the hosting, so switching a stack
// between ec2 and ecs updates each record in place (same URN) instead of creating a second record of
// the same name and type, which Route 53 refuses (ChangeResourceRecordSets CREATE of an existing
// record set: InvalidChangeBatch). Without a hosted zone it hands back the exact records to create by
// hand (the `dnsRecordsToCreate` output and the plan). The ec2 host's certificate (ACME HTTP-01) can
// only be issued once these names resolve to the host.
// No AAAA records: neither the host nor the load balancer has an IPv6 address (the network gives its
// subnets no IPv6 range), so an AAAA record would point browsers at nothing.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { manualDnsRecords } from "./loadBalancer";

/** Seconds resolvers keep the records: short enough that a replaced address spreads within minutes. */
export const SITE_RECORD_TTL_SECONDS = 300;

/** What the names point at: the ec2 host's address, or the ecs load balancer (an alias). */
export type SiteTarget =
  | { address: pulumi.Input<string> }
  | { loadBalancer: { dnsName: pulumi.Input<string>; zoneId: pulumi.Input<string> } };

export interface SiteDnsArgs {
  /** Host names the site is served at (validated by config). */
  domain: string[];
  /** Route 53 hosted zone (Z…) holding the names; undefined: the user creates the records. */
  hostedZoneId?: string;
  /** Where the names point. */
  target: SiteTarget;
  /** Where earlier versions created the record of a name (kept as aliases, so a stack adopts it in place). */
  formerOwners?: (domain: string, index: number) => pulumi.Input<pulumi.Alias>[];
}

/** The A record of one name, as Route 53 takes it: to an address, or an alias to a load balancer. */
export function siteRecord(name: string, zoneId: string, target: SiteTarget): aws.route53.RecordArgs {
  if ("address" in target) return { zoneId, name, type: "A", ttl: SITE_RECORD_TTL_SECONDS, records: [target.address] };
  return { zoneId, name, type: "A",
    aliases: [{ name: target.loadBalancer.dnsName, zoneId: target.loadBalancer.zoneId, evaluateTargetHealth: true }] };
}

export class SiteDns extends pulumi.ComponentResource {
  /** The names given records in the hosted zone ([] without one). */
  readonly recordFqdns: pulumi.Output<string[]>;
  /** Records to create by hand (a domain without a hosted zone); [] otherwise. */
  readonly dnsRecordsToCreate: pulumi.Output<string[]>;

  constructor(name: string, args: SiteDnsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("compose-on-ec2:siteDns:SiteDns", name, {}, opts);
    const zoneId = args.hostedZoneId;
    const records = zoneId === undefined ? [] : this.records(name, args, zoneId);
    this.recordFqdns = pulumi.all(records.map((r) => r.fqdn));
    const target = args.target;
    this.dnsRecordsToCreate = zoneId !== undefined
      ? pulumi.output([])
      : "address" in target
      ? pulumi.output(target.address).apply((ip) => manualDnsRecords(args.domain, ip, "A"))
      : pulumi.output(target.loadBalancer.dnsName).apply((n) => manualDnsRecords(args.domain, n));
    this.registerOutputs({ recordFqdns: this.recordFqdns, dnsRecordsToCreate: this.dnsRecordsToCreate });
  }

  /** One A record per name, named after the name (reordering the list replaces nothing). */
  private records(name: string, args: SiteDnsArgs, zoneId: string): aws.route53.Record[] {
    return args.domain.map((d, i) =>
      new aws.route53.Record(`${name}-${d}`, siteRecord(d, zoneId, args.target), { parent: this,
        aliases: args.formerOwners?.(d, i) })
    );
  }
}
