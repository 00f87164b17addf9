// SiteDns: an ec2 stack's names pointed at the host's Elastic IP. With a Route 53 hosted zone the
// stack creates one A record per name; without one it hands back the exact records to create by hand
// (the `dnsRecordsToCreate` output and the plan). The host's certificate (ACME HTTP-01) can only be
// issued once these names resolve to the host.
// No AAAA records: the host has no IPv6 address (the network gives its subnets no IPv6 range and the
// instance asks for none), so an AAAA record would point browsers at nothing.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { manualDnsRecords } from "./loadBalancer";

/** Seconds resolvers keep the records: short enough that a replaced address spreads within minutes. */
export const SITE_RECORD_TTL_SECONDS = 300;

export interface SiteDnsArgs {
  /** Host names the site is served at (validated by config; no wildcard on ec2). */
  domain: string[];
  /** Route 53 hosted zone (Z…) holding the names; undefined: the user creates the records. */
  hostedZoneId?: string;
  /** The host's Elastic IP (IPv4). */
  address: pulumi.Input<string>;
}

/** The A record of one name, as Route 53 takes it. */
export function siteRecord(name: string, zoneId: string, address: pulumi.Input<string>): aws.route53.RecordArgs {
  return { zoneId, name, type: "A", ttl: SITE_RECORD_TTL_SECONDS, records: [address] };
}

export class SiteDns extends pulumi.ComponentResource {
  /** The names given records in the hosted zone ([] without one). */
  readonly recordFqdns: pulumi.Output<string[]>;
  /** Records to create by hand (a domain without a hosted zone); [] otherwise. */
  readonly dnsRecordsToCreate: pulumi.Output<string[]>;

  constructor(name: string, args: SiteDnsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("compose-on-ec2:siteDns:SiteDns", name, {}, opts);
    const zoneId = args.hostedZoneId;
    const records = zoneId === undefined ? [] : this.records(name, args.domain, zoneId, args.address);
    this.recordFqdns = pulumi.all(records.map((r) => r.fqdn));
    this.dnsRecordsToCreate = zoneId === undefined ? pulumi.output(args.address).apply((ip) => manualDnsRecords(args.domain, ip, "A")) : pulumi.output([]);
    this.registerOutputs({ recordFqdns: this.recordFqdns, dnsRecordsToCreate: this.dnsRecordsToCreate });
  }

  /** One A record per name to the Elastic IP, named after the name (reordering the list replaces nothing). */
  private records(name: string, domain: string[], zoneId: string, address: pulumi.Input<string>): aws.route53.Record[] {
    return domain.map((d) => new aws.route53.Record(`${name}-${d}`, siteRecord(d, zoneId, address), { parent: this }));
  }
}
