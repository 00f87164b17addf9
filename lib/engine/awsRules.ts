// What AWS (or the AWS provider, before it calls AWS) refuses, written from AWS's documentation and
// nothing else: the engine must never ask the program's own validators, or a bug there would pass
// on both sides. Each rule returns AWS's complaint, or undefined when AWS accepts the value. The page
// each rule follows is named above it. RDS's rules are in awsRdsRules.ts.

// ---- CIDR ranges of security group rules ----
// AuthorizeSecurityGroupIngress, CidrIp / CidrIpv6 ("The IPv4 address range, in CIDR format"):
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AuthorizeSecurityGroupIngress.html
// "Amazon Web Services canonicalizes IPv4 and IPv6 CIDRs. For example, if you specify 100.68.0.18/18
// for the CIDR block, Amazon Web Services canonicalizes the CIDR block to 100.68.0.0/18 ... if you
// attempt to add another rule with the non-canonical form ... the API throws a duplicate rule error."
// So host bits are ACCEPTED (and cleared); only a malformed range is refused.

export type Cidr = { family: 4 | 6; canonical: string } | { error: string };

function ipv4Bits(address: string): string | undefined {
  const parts = address.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.map((p) => Number(p).toString(2).padStart(8, "0")).join("");
}

function ipv6Bits(address: string): string | undefined {
  if (!/^[0-9A-Fa-f:]+$/.test(address)) return undefined;
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string): string[] => (s === "" ? [] : s.split(":"));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? head.length !== 8 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (all.some((g) => !/^[0-9A-Fa-f]{1,4}$/.test(g))) return undefined;
  return all.map((g) => parseInt(g, 16).toString(2).padStart(16, "0")).join("");
}

function ipv6Text(bits: string): string {
  const groups = Array.from({ length: 8 }, (_, i) => parseInt(bits.slice(i * 16, i * 16 + 16), 2).toString(16));
  // RFC 5952: compress the longest run (of two or more) of zero groups.
  let best = { start: -1, length: 1 };
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = Math.max(i, j);
  }
  if (best.start < 0) return groups.join(":");
  return `${groups.slice(0, best.start).join(":")}::${groups.slice(best.start + best.length).join(":")}`;
}

/** Parses a CIDR range of the given family and returns the canonical form AWS stores. */
export function parseCidr(text: unknown, family: 4 | 6): Cidr {
  const m = typeof text === "string" ? /^([^/]+)\/(\d{1,3})$/.exec(text) : null;
  if (!m) return { error: `CIDR block ${String(text)} is malformed` };
  const width = family === 4 ? 32 : 128;
  const bits = family === 4 ? ipv4Bits(m[1]) : ipv6Bits(m[1]);
  const prefix = Number(m[2]);
  if (!bits || prefix > width) return { error: `CIDR block ${text} is malformed (not an IPv${family} range)` };
  const network = bits.slice(0, prefix).padEnd(width, "0");
  const address = family === 4
    ? [0, 8, 16, 24].map((i) => parseInt(network.slice(i, i + 8), 2)).join(".")
    : ipv6Text(network);
  return { family, canonical: `${address}/${prefix}` };
}

// ---- Security group rule quota ----
// Amazon VPC quotas, "Inbound or outbound rules per security group": 60 by default, enforced
// separately for IPv4 and IPv6 rules: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html
export const RULES_PER_SECURITY_GROUP = 60;

// ---- ImportKeyPair ----
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ImportKeyPair.html: "Imports the public
// key from an RSA or ED25519 key pair". Accepted formats (EC2 User Guide, "Create a key pair ... and
// import the public key"): OpenSSH public key format (as in ~/.ssh/authorized_keys), Base64 encoded DER,
// and the SSH public key file format of RFC 4716. The OpenSSH body is the SSH wire encoding: a string
// naming the type, then the key (RFC 4253 6.6 for ssh-rsa: e and n; RFC 8709 for ssh-ed25519: 32 bytes).

function wireStrings(blob: Buffer): Buffer[] | undefined {
  const out: Buffer[] = [];
  for (let at = 0; at < blob.length && out.length < 8;) {
    if (at + 4 > blob.length) return undefined;
    const length = blob.readUInt32BE(at);
    if (at + 4 + length > blob.length) return undefined;
    out.push(blob.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return out;
}

/** Why ImportKeyPair would refuse this public key material, or undefined. */
export function importKeyPairProblem(material: unknown): string | undefined {
  const text = typeof material === "string" ? material.trim() : "";
  if (/^---- BEGIN SSH2 PUBLIC KEY ----/.test(text)) return undefined; // RFC 4716: accepted as is
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(text) && Buffer.from(text, "base64")[0] === 0x30) return undefined; // DER SEQUENCE
  const m = /^(\S+) ([A-Za-z0-9+/]+={0,2})(?:\s.*)?$/.exec(text);
  if (!m) return "InvalidKey.Format: Key is not in valid OpenSSH public key format";
  if (m[1] !== "ssh-rsa" && m[1] !== "ssh-ed25519") {
    return `InvalidKey.Format: key type ${m[1]} is not supported (RSA or ED25519 only)`;
  }
  const fields = wireStrings(Buffer.from(m[2], "base64"));
  if (!fields || fields[0]?.toString("latin1") !== m[1]) {
    return "InvalidKey.Format: Key is not in valid OpenSSH public key format";
  }
  if (m[1] === "ssh-ed25519" && (fields.length !== 2 || fields[1].length !== 32)) {
    return "InvalidKey.Format: an ED25519 key is 32 bytes";
  }
  if (m[1] === "ssh-rsa" && fields.length !== 3) {
    return "InvalidKey.Format: an RSA key carries an exponent and a modulus";
  }
  return undefined;
}

// ---- Tags ----
// Every service here: at most 50 user tags per resource, a key of 1 to 128 characters, a value of at
// most 256, and no key or value starting with "aws:" in any case (EC2 User Guide "Tag restrictions";
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_Tag.html;
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_Tag.html).
// RDS and IAM also restrict the characters to Unicode letters, digits, white space and _ . : / = + - @
// (pattern [\p{L}\p{Z}\p{N}_.:/=+\-@]); RDS also reserves the "rds:" prefix. EC2 allows any character.
export type TagService = "ec2" | "rds" | "iam";

const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export function tagsProblem(service: TagService, tags: unknown): string | undefined {
  if (tags === undefined || tags === null) return undefined;
  const entries = Object.entries(tags as Record<string, unknown>);
  if (entries.length > 50) return `TagLimitExceeded: ${entries.length} tags (at most 50 per resource)`;
  const reserved = service === "rds" ? /^(aws|rds):/i : /^aws:/i;
  for (const [key, raw] of entries) {
    const value = typeof raw === "string" ? raw : String(raw);
    if ([...key].length < 1 || [...key].length > 128) {
      return `InvalidParameterValue: tag key "${key}" must be 1 to 128 characters`;
    }
    if ([...value].length > 256) {
      return `InvalidParameterValue: the value of tag "${key}" is longer than 256 characters`;
    }
    if (reserved.test(key) || reserved.test(value)) {
      return `InvalidParameterValue: tag "${key}" uses a prefix reserved for AWS`;
    }
    if (service !== "ec2" && (!TAG_CHARACTERS.test(key) || !TAG_CHARACTERS.test(value))) {
      return `InvalidParameterValue: tag "${key}" has characters ${service.toUpperCase()} does not allow (letters, digits, spaces and _ . : / = + - @)`;
    }
  }
  return undefined;
}
