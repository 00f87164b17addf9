// Pure checks shared by the section parsers (and exported for other components and tests).
import type { HostOs } from "./types";

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The closest known name, when it is close enough to be a typo. */
export function suggest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const [w, c] = [word.toLowerCase(), k.toLowerCase()];
    // Exact but for case, or one a prefix of the other ("production" → "prod"), counts as closest.
    const d = w === c ? 0 : w.startsWith(c) || c.startsWith(w) ? 1 : editDistance(w, c);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** True when text holds a control character (C0, DEL or C1), which no free-text setting may carry. */
export function hasControlCharacter(text: string): boolean {
  return /[\u0000-\u001f\u007f-\u009f]/.test(text);
}

export type CidrCheck = { ok: true; version: 4 | 6; canonical: string; network: string } | { ok: false; reason: string;
  canonical?: string };

/**
 * Parses an IPv4 or IPv6 CIDR; returns why it is invalid, or its canonical form and `network`, a key
 * equal for every spelling of the same network ("2001:DB8::/32" and "2001:db8:0::/32").
 */
export function checkCidr(cidr: string): CidrCheck {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr);
  if (!m) return { ok: false, reason: "not in address/prefix form" };
  const prefix = Number(m[2]);
  if (m[1].includes(":")) {
    const bits = ipv6Bits(m[1]);
    if (!bits) return { ok: false, reason: `"${m[1]}" is not an IPv6 address` };
    if (prefix > 128) return { ok: false, reason: `prefix /${prefix} is above 128` };
    if (bits.slice(prefix).includes("1")) {
      return { ok: false, reason: `host bits are set after /${prefix} (we accept only the network address)` };
    }
    return { ok: true, version: 6, canonical: cidr, network: `6:${bits.slice(0, prefix)}` };
  }
  const octets = m[1].split(".");
  if (octets.length !== 4
    || octets.some((o) => !/^\d{1,3}$/.test(o) || Number(o) > 255 || (o.length > 1 && o.startsWith("0")))) {
    return { ok: false, reason: `"${m[1]}" is not an IPv4 address (four octets 0..255)` };
  }
  if (prefix > 32) return { ok: false, reason: `prefix /${prefix} is above 32` };
  const bits = octets.map((o) => Number(o).toString(2).padStart(8, "0")).join("");
  if (bits.slice(prefix).includes("1")) {
    const network = bits.slice(0, prefix).padEnd(32, "0");
    const canonical = [0, 8, 16, 24].map((i) => parseInt(network.slice(i, i + 8), 2)).join(".") + `/${prefix}`;
    return { ok: false,
      reason:
        `host bits are set after /${prefix} (we accept only the network address, as AWS security group rules expect)`,
      canonical };
  }
  return { ok: true, version: 4, canonical: cidr, network: `4:${bits.slice(0, prefix)}` };
}

function ipv6Bits(address: string): string | undefined {
  if (!/^[0-9a-fA-F:]+$/.test(address) || address.split("::").length > 2) return undefined;
  const [head, tail] = address.includes("::") ? address.split("::") : [address, undefined];
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const groups = [...headGroups, ...Array<string>(tail === undefined ? 0 : missing).fill("0"), ...tailGroups];
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => parseInt(g, 16).toString(2).padStart(16, "0")).join("");
}

/** True for 0.0.0.0/0 and ::/0 (and any other /0). */
export function isWorld(cidr: string): boolean {
  return /\/0$/.test(cidr.trim());
}

/** Checks an OpenSSH public key line: known type, base64 body whose embedded type matches. */
export function checkSshPublicKey(key: string): string | undefined {
  const m =
    /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521) ([A-Za-z0-9+/]+={0,2})(\s.*)?$/
      .exec(key.trim());
  if (!m) {
    return 'is not an OpenSSH public key line ("ssh-ed25519 AAAA… comment"; types: ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256/384/521)';
  }
  const blob = Buffer.from(m[2], "base64");
  const typeLength = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  if (typeLength <= 0 || blob.length < 4 + typeLength || blob.subarray(4, 4 + typeLength).toString("latin1") !== m[1]) {
    return `has a key body that does not encode a ${m[1]} key (truncated or pasted wrongly?)`;
  }
  return undefined;
}

/** The SSH login user of an OS image. */
export function sshUserOf(os: HostOs): string {
  return os === "ubuntu" ? "ubuntu" : "ec2-user";
}
