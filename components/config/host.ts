// Section parser: the EC2 host (OS, size, AMI, disk, SSH key pair).
import { EC2_FAMILIES } from "./aws";
import { checkSshPublicKey, suggest, sshUserOf } from "./checks";
import type { Reader } from "./reader";
import type { Arch, HostOs, HostSettings } from "./types";

/** The instance type's architecture, or a problem and x86_64 when the type is unknown. */
function instanceArch(r: Reader, instanceType: string): Arch {
  const [family, size, extra] = instanceType.split(".");
  const spec = EC2_FAMILIES[family];
  if (extra !== undefined || size === undefined) {
    r.bad("instanceType", instanceType, "is not of the form family.size", "e.g. t3.small, t4g.medium, m7g.large");
  } else if (!spec) {
    const guess = suggest(family, Object.keys(EC2_FAMILIES).filter((f) => EC2_FAMILIES[f].sizes.includes(size)));
    r.bad("instanceType", instanceType, `has an unknown instance family "${family}"`, guess
      ? `did you mean "${guess}.${size}"?`
      : "use a family from AWS's list of instance types (components/config/ec2InstanceTypes.json), e.g. t3, t4g, m7i, m7g");
  } else if (!spec.sizes.includes(size)) {
    const guess = suggest(size, spec.sizes);
    r.bad("instanceType", instanceType, `has a size "${size}" that family ${family} does not offer`, guess
      ? `did you mean "${family}.${guess}"?`
      : `use one of ${spec.sizes.map((s) => `${family}.${s}`).join(", ")}`);
  } else {
    return spec.arch;
  }
  return "x86_64";
}

/**
 * Why a pinned AMI cannot boot this instance type, or undefined. The AMI's architecture is known only to
 * AWS (ec2:DescribeImages), so the host checks it with this rule once it has looked the image up.
 */
export function amiArchitectureProblem(amiId: string, amiArchitecture: string, instanceType: string, arch: Arch): string
  | undefined {
  if (amiArchitecture === arch) return undefined;
  return `compose-on-ec2:amiId = "${amiId}" is built for ${amiArchitecture}, but instanceType ${instanceType} is ${arch}. Fix: pin an ${arch} AMI, choose an instance type of the AMI's architecture, or unset amiId`;
}

function keyPair(r: Reader): { sshPublicKey?: string; sshPrivateKey?: string } {
  const sshPublicKey = r.string("sshPublicKey");
  const sshPrivateKey = r.string("sshPrivateKey");
  const secretFix = "pulumi config set --secret sshPrivateKey < ~/.ssh/id_ed25519";
  if (sshPublicKey !== undefined) {
    const why = checkSshPublicKey(sshPublicKey);
    if (why) r.bad("sshPublicKey", sshPublicKey, why, "paste the single line of your .pub file");
    if (sshPrivateKey === undefined) {
      r.bad("sshPublicKey", sshPublicKey, "is set but sshPrivateKey is not (the deployment must log in)",
        `${secretFix}, or unset sshPublicKey to generate a key pair`);
    }
  }
  if (sshPrivateKey !== undefined) {
    // bad() never shows a secret setting's value, not even a wrong one.
    if (!/^-----BEGIN (OPENSSH|RSA|EC) PRIVATE KEY-----/.test(sshPrivateKey.trim())) {
      r.bad("sshPrivateKey", sshPrivateKey, 'is not a PEM/OpenSSH private key ("-----BEGIN OPENSSH PRIVATE KEY-----…")',
        secretFix);
    }
    if (sshPublicKey === undefined) {
      r.bad("sshPrivateKey", sshPrivateKey, "is set but sshPublicKey is not",
        "also set sshPublicKey to the matching .pub line, or unset sshPrivateKey to generate a key pair");
    }
  }
  return { sshPublicKey, sshPrivateKey };
}

export function parseHost(r: Reader): HostSettings {
  const os = r.choice<HostOs>("hostOs");
  const instanceType = r.text("instanceType");
  const arch = instanceArch(r, instanceType);
  const amiId = r.string("amiId");
  if (amiId !== undefined && !/^ami-([0-9a-f]{8}|[0-9a-f]{17})$/.test(amiId)) {
    r.bad("amiId", amiId, "is not an AMI id (ami- followed by 8 or 17 lowercase hex digits)",
      "use an id from `aws ec2 describe-images`, or unset it to track the OS's latest image");
  }
  const rootVolumeGb = r.count("rootVolumeGb");
  return { os, instanceType, arch, amiId, rootVolumeGb, ...keyPair(r), sshUser: sshUserOf(os) };
}
