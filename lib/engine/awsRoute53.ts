/* eslint-disable @typescript-eslint/no-explicit-any -- provider inputs are untyped JSON here */
// The AWS mock's model of Route 53 records (ChangeResourceRecordSets with the provider's CREATE, or
// UPSERT under allowOverwrite). Rules from the API reference of ResourceRecordSet:
// https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html
// and of ChangeResourceRecordSets (a CREATE of a record set that exists fails; a name outside the
// zone is refused). The hosted zone itself lives outside the stack: its name is known only when the
// mock is told it (AwsMockOptions.hostedZones), and only then is "inside the zone" checked.
import * as net from "net";
import type { Account, Computed, Fail } from "./awsModel";

export const RECORD = "aws:route53/record:Record";

/** ResourceRecordSet Type: Valid Values. */
const RECORD_TYPES = ["SOA", "A", "TXT", "NS", "CNAME", "MX", "NAPTR", "PTR", "SRV", "SPF", "AAAA", "CAA", "DS", "TLSA",
  "SSHFP", "SVCB", "HTTPS"];
/** ResourceRecordSet TTL: Type Long, Valid Range: Minimum value of 0. Maximum value of 2147483647. */
const MAX_TTL = 2147483647;
/** A domain name is at most 255 octets in wire form (RFC 1035): 253 characters without the final dot. */
const MAX_NAME = 253;

/** Route 53's name: lowercase, without the final dot (Route 53 treats "x." and "x" alike). */
export const fqdnOf = (name: string): string => String(name).replace(/\.$/, "").toLowerCase();

/** Why one value is not a value of its record type, or undefined (A: dotted-decimal IPv4; AAAA: IPv6). */
function valueProblem(type: string, value: string): string | undefined {
  if (type === "A" && !net.isIPv4(value)) {
    return `an A record's value must be an IPv4 address in dotted decimal notation, not "${value}"`;
  }
  if (type === "AAAA" && !net.isIPv6(value)) return `an AAAA record's value must be an IPv6 address, not "${value}"`;
  return undefined;
}

/** ChangeResourceRecordSets: an alias target or records with a TTL, never both; names inside the zone; no duplicate CREATE. */
export function record(a: Account, _name: string, inputs: Record<string, any>, fail: Fail): Computed {
  if (!/^Z[A-Z0-9]{1,31}$/.test(inputs.zoneId ?? "")) throw fail(`InvalidInput: hosted zone id ${inputs.zoneId}`);
  if (!RECORD_TYPES.includes(inputs.type)) throw fail(`InvalidInput: record type ${inputs.type}`);
  const fqdn = fqdnOf(inputs.name);
  if (fqdn === "" || fqdn.length > MAX_NAME || fqdn.split(".").some((l) => l.length === 0 || l.length > 63)) {
    throw fail(`InvalidInput: record name ${inputs.name}`);
  }
  const zone = a.hostedZoneName(inputs.zoneId);
  if (zone !== undefined && fqdn !== zone && !fqdn.endsWith(`.${zone}`)) {
    throw fail(`InvalidChangeBatch: RRSet with DNS name ${fqdn}. is not permitted in zone ${zone}.`);
  }
  const aliases = inputs.aliases ?? [];
  if (aliases.length > 0 && (inputs.records !== undefined || inputs.ttl !== undefined)) {
    throw fail("InvalidInput: an alias record has no records or TTL");
  }
  if (aliases.length === 0 && ((inputs.records ?? []).length === 0 || inputs.ttl === undefined)) {
    throw fail("InvalidInput: a record needs records and a TTL (or an alias)");
  }
  if (inputs.ttl !== undefined && !(Number.isInteger(inputs.ttl) && inputs.ttl >= 0 && inputs.ttl <= MAX_TTL)) {
    throw fail(`InvalidInput: TTL ${inputs.ttl} is outside 0..${MAX_TTL}`);
  }
  for (const al of aliases) {
    if (!al.name || !al.zoneId || al.evaluateTargetHealth === undefined) {
      throw fail("InvalidInput: an alias needs name, zoneId and evaluateTargetHealth");
    }
  }
  if (inputs.type === "CNAME" && (inputs.records ?? []).length > 1) {
    throw fail("InvalidChangeBatch: a CNAME has one value");
  }
  for (const v of inputs.records ?? []) {
    const problem = valueProblem(inputs.type, String(v));
    if (problem) throw fail(`InvalidChangeBatch: ${problem}`);
  }
  const id = `${inputs.zoneId}_${fqdn}_${inputs.type}`;
  if (inputs.allowOverwrite !== true && a.existing(RECORD, "id", id)) {
    throw fail(
      `InvalidChangeBatch: Tried to create resource record set [name='${fqdn}.', type='${inputs.type}'] but it already exists`,
    );
  }
  return { id, computed: { fqdn } };
}
