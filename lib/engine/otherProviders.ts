/* eslint-disable @typescript-eslint/no-explicit-any -- provider inputs are untyped JSON here */
// Plausible, deterministic outputs of the non-AWS providers the program uses (random, tls, command,
// docker): enough for the program to run on, derived from hashes of names and inputs.
import { Computed, sha } from "./awsResources";

/** An error a provider would raise before any cloud call. */
export class ProviderRejection extends Error {}

/** A deterministic stand-in for random's generated strings that honours its character options. */
function randomResult(name: string, inputs: Record<string, any>): string {
  const length: number = inputs.length ?? 16;
  const classes: { chars: string; min: number }[] = [];
  if (inputs.lower !== false) classes.push({ chars: "abcdefghijklmnopqrstuvwxyz", min: inputs.minLower ?? 0 });
  if (inputs.upper !== false) classes.push({ chars: "ABCDEFGHIJKLMNOPQRSTUVWXYZ", min: inputs.minUpper ?? 0 });
  if (inputs.numeric !== false && inputs.number !== false) {
    classes.push({ chars: "0123456789", min: inputs.minNumeric ?? 0 });
  }
  if (inputs.special !== false) {
    classes.push({ chars: inputs.overrideSpecial ?? "!@#$%&*()-_=+[]{}<>:?", min: inputs.minSpecial ?? 0 });
  }
  const all = classes.map((c) => c.chars).join("");
  if (!all) throw new ProviderRejection("random: no character classes enabled");
  let stream = Buffer.alloc(0);
  for (let i = 0; stream.length < length * 2; i++) {
    stream = Buffer.concat([stream, Buffer.from(sha("random", name, inputs.keepers ?? {}, i), "hex")]);
  }
  const required = classes.flatMap((c) => Array.from({ length: c.min }, (_, i) => c.chars[stream[i] % c.chars.length]));
  const rest = Array.from({ length: Math.max(0, length - required.length) },
    (_, i) => all[stream[length + i] % all.length]);
  return [...required, ...rest].join("").slice(0, length);
}

/** An OpenSSH public key line in the SSH wire format (type string, then the key; RFC 4253 / RFC 8709). */
function openSshPublicKey(keyType: string, key: Buffer): string {
  const field = (b: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(b.length);
    return Buffer.concat([length, b]);
  };
  return `${keyType} ${Buffer.concat([field(Buffer.from(keyType)), field(key)]).toString("base64")}\n`;
}

function tlsPrivateKey(name: string, inputs: Record<string, any>): Computed {
  const algorithm = inputs.algorithm ?? "RSA";
  const seed = Buffer.from(sha("tls", name, algorithm), "hex"); // 32 bytes: an ED25519 public key's size
  const keyType = algorithm === "ED25519" ? "ssh-ed25519" : algorithm === "ECDSA" ? "ecdsa-sha2-nistp256" : "ssh-rsa";
  const body = Buffer.from(sha("private", name) + sha("private2", name)).toString("base64");
  return {
    id: sha("tls-id", name).slice(0, 40),
    computed: {
      algorithm,
      publicKeyOpenssh: openSshPublicKey(keyType, seed),
      publicKeyPem: `-----BEGIN PUBLIC KEY-----\n${seed.toString("base64")}\n-----END PUBLIC KEY-----\n`,
      privateKeyOpenssh: `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}\n-----END OPENSSH PRIVATE KEY-----\n`,
      privateKeyPem: `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`,
      publicKeyFingerprintSha256: `SHA256:${seed.toString("base64").replace(/=+$/, "")}`,
    },
  };
}

/** The model of a non-AWS resource type; types nobody models get a stable id and their inputs back. */
export function computeOther(type: string, name: string, inputs: Record<string, any>): Computed {
  const id = (prefix: string) => `${prefix}-${sha("id", type, name).slice(0, 12)}`;
  switch (type) {
    case "random:index/randomPassword:RandomPassword":
    case "random:index/randomString:RandomString": {
      const result = randomResult(name, inputs);
      return { id: "none",
        computed: { result,
          ...(type.endsWith("RandomPassword")
            ? { bcryptHash: `$2a$10$${sha("bcrypt", result).slice(0, 53)}` }
            : {}) } };
    }
    case "random:index/randomId:RandomId": {
      const bytes = Buffer.from(sha("randomId", name, inputs.keepers ?? {}, inputs.prefix ?? ""), "hex").subarray(0,
        inputs.byteLength ?? 8);
      const prefix = inputs.prefix ?? "";
      const b64Url = bytes.toString("base64url");
      return { id: b64Url,
        computed: { hex: prefix + bytes.toString("hex"), b64Url: prefix + b64Url,
          b64Std: prefix + bytes.toString("base64"), dec: prefix + BigInt(`0x${bytes.toString("hex")}`).toString() } };
    }
    case "tls:index/privateKey:PrivateKey":
      return tlsPrivateKey(name, inputs);
    case "command:remote:Command":
    case "command:local:Command":
      return { id: id("cmd"), computed: { stdout: "", stderr: "" } };
    case "docker:index/image:Image":
      return { id: id("img"),
        computed: { repoDigest: `${inputs.imageName}@sha256:${sha("digest", inputs).slice(0, 64)}`,
          baseImageName: inputs.imageName } };
    default:
      return { id: `${name}-id`, computed: {} };
  }
}
