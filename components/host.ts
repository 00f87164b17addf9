// The EC2 host: latest AL2023/Ubuntu AMI for the instance's architecture (not replaced when a newer one
// is published), IMDSv2 only, encrypted gp3 root volume, an SSH key pair (given or generated), an
// instance role for SSM and ECR pulls, an Elastic IP, and cloud-init that installs Docker + compose v2.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as tls from "@pulumi/tls";
import { Arch, HostOs, HostSettings } from "./config";

export interface HostArgs {
  /** OS, size, AMI, disk and SSH key choices from the stack config. */
  settings: HostSettings;
  /** Public subnet to launch into. */
  subnetId: pulumi.Input<string>;
  /** Security groups of the instance. */
  securityGroupIds: pulumi.Input<string>[];
  /** Tags for every taggable child. */
  tags: Record<string, string>;
}

/**
 * Docker Compose v2 plugin release installed on AL2023 (not packaged there). Pinned: recent compose
 * releases refuse to build with buildx < 0.17, and AL2023's docker package ships buildx 0.12
 * (amazonlinux/amazon-linux-2023#1032).
 */
export const COMPOSE_VERSION = "v2.29.7";

/** The SSM public parameter holding the latest AMI id for an OS and architecture. */
export function amiParameterName(os: HostOs, arch: Arch): string {
  return os === "ubuntu"
    ? `/aws/service/canonical/ubuntu/server/24.04/stable/current/${arch === "arm64" ? "arm64" : "amd64"}/hvm/ebs-gp3/ami-id`
    : `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${arch}`;
}

/** The base directory the deployment uses on the host. */
export function appBaseDir(sshUser: string): string {
  return `/home/${sshUser}/compose-on-ec2`;
}

/**
 * cloud-init user data (#cloud-config) that installs Docker and the compose v2 plugin, the ECR
 * credential helper (so pulls use the instance role), and prepares the SSH user's app directory.
 * Pure: the same arguments always give the same text, so the instance is never touched needlessly.
 */
export function renderUserData(os: HostOs, arch: Arch, sshUser: string): string {
  const home = `/home/${sshUser}`;
  const baseDir = appBaseDir(sshUser);
  // runcmd lines run in one /bin/sh script; `set -eu` makes the first failure fail cloud-init
  // (so `cloud-init status --wait` reports it instead of a half-installed host).
  const install =
    os === "al2023"
      ? [
          "dnf install -y docker amazon-ecr-credential-helper",
          "mkdir -p /usr/local/lib/docker/cli-plugins",
          `curl -fsSL --retry 5 -o /usr/local/lib/docker/cli-plugins/docker-compose https://github.com/docker/compose/releases/download/${COMPOSE_VERSION}/docker-compose-linux-${arch === "arm64" ? "aarch64" : "x86_64"}`,
          `curl -fsSL --retry 5 -o /tmp/docker-compose.sha256 https://github.com/docker/compose/releases/download/${COMPOSE_VERSION}/docker-compose-linux-${arch === "arm64" ? "aarch64" : "x86_64"}.sha256`,
          `echo "$(cut -d' ' -f1 /tmp/docker-compose.sha256)  /usr/local/lib/docker/cli-plugins/docker-compose" | sha256sum -c -`,
          "chmod 0755 /usr/local/lib/docker/cli-plugins/docker-compose",
        ]
      : [
          "export DEBIAN_FRONTEND=noninteractive",
          // First boot races unattended-upgrades for the dpkg lock: wait for it instead of failing.
          "apt-get -o DPkg::Lock::Timeout=300 update",
          "apt-get -o DPkg::Lock::Timeout=300 install -y ca-certificates curl amazon-ecr-credential-helper",
          "install -m 0755 -d /etc/apt/keyrings",
          "curl -fsSL --retry 5 https://download.docker.com/linux/ubuntu/gpg -o /etc/apt/keyrings/docker.asc",
          "chmod a+r /etc/apt/keyrings/docker.asc",
          `echo "deb [arch=${arch === "arm64" ? "arm64" : "amd64"} signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/ubuntu $(. /etc/os-release && echo "$VERSION_CODENAME") stable" > /etc/apt/sources.list.d/docker.list`,
          "apt-get -o DPkg::Lock::Timeout=300 update",
          "apt-get -o DPkg::Lock::Timeout=300 install -y docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin",
        ];
  const runcmd = [
    "set -eu",
    ...install,
    "systemctl enable --now docker",
    `usermod -aG docker ${sshUser}`,
    `mkdir -p ${home}/.docker ${baseDir}`,
    `printf '%s\\n' '{"credsStore":"ecr-login"}' > ${home}/.docker/config.json`,
    `chown -R ${sshUser}:${sshUser} ${home}/.docker ${baseDir}`,
    "docker compose version",
  ];
  // JSON strings are valid YAML double-quoted scalars: no YAML escaping surprises.
  return [
    "#cloud-config",
    `# compose-on-ec2 host bootstrap: ${os} ${arch}, user ${sshUser}`,
    "runcmd:",
    ...runcmd.map((c) => `  - ${JSON.stringify(c)}`),
    "",
  ].join("\n");
}

/** Trust policy that lets EC2 assume the instance role. */
export const EC2_ASSUME_ROLE_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

/** Managed policies of the instance role: Session Manager access and ECR pulls. */
export const INSTANCE_POLICY_ARNS: Record<string, string> = {
  ssm: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
  ecr: "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
};

export class Host extends pulumi.ComponentResource {
  /** Elastic IP of the host (available once associated). */
  readonly publicIp: pulumi.Output<string>;
  /** Public DNS name of the Elastic IP. */
  readonly publicDns: pulumi.Output<string>;
  readonly instanceId: pulumi.Output<string>;
  /** Login user of the OS (ec2-user / ubuntu). */
  readonly sshUser: string;
  /** Private key of the host's key pair (secret). */
  readonly sshPrivateKey: pulumi.Output<string>;
  /** The cloud-init user data the instance boots with. */
  readonly userData: string;
  /** AMI the instance was launched from. */
  readonly amiId: pulumi.Output<string>;

  constructor(name: string, args: HostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("compose-on-ec2:host:Host", name, {}, opts);
    const { settings, tags } = args;

    this.amiId = settings.amiId
      ? pulumi.output(settings.amiId)
      : aws.ssm.getParameterOutput({ name: amiParameterName(settings.os, settings.arch) }, { parent: this }).value;

    let publicKey: pulumi.Input<string>;
    if (settings.sshPublicKey && settings.sshPrivateKey) {
      publicKey = settings.sshPublicKey;
      this.sshPrivateKey = pulumi.secret(settings.sshPrivateKey);
    } else {
      const key = new tls.PrivateKey(`${name}-ssh`, { algorithm: "ED25519" }, { parent: this });
      publicKey = key.publicKeyOpenssh.apply((k) => k.trim());
      this.sshPrivateKey = pulumi.secret(key.privateKeyOpenssh);
    }
    const keyPair = new aws.ec2.KeyPair(`${name}-key`, { publicKey, tags }, { parent: this });

    const role = new aws.iam.Role(`${name}-role`, { assumeRolePolicy: EC2_ASSUME_ROLE_POLICY, tags }, { parent: this });
    const attachments = Object.entries(INSTANCE_POLICY_ARNS).map(
      ([short, policyArn]) => new aws.iam.RolePolicyAttachment(`${name}-${short}`, { role: role.name, policyArn }, { parent: this }),
    );
    const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name, tags }, { parent: this });

    this.sshUser = settings.sshUser;
    this.userData = renderUserData(settings.os, settings.arch, settings.sshUser);
    const instance = new aws.ec2.Instance(
      `${name}-instance`,
      {
        ami: this.amiId,
        instanceType: settings.instanceType,
        subnetId: args.subnetId,
        vpcSecurityGroupIds: args.securityGroupIds,
        keyName: keyPair.keyName,
        iamInstanceProfile: profile.name,
        userData: this.userData,
        // Edits to cloud-init must not replace the host, nor stop/start it (what AWS does by default
        // on a userData update: an outage): they apply to new hosts only (ignoreChanges below).
        userDataReplaceOnChange: false,
        // IMDSv2 only; hop limit 2 so containers (one extra hop) can still use the instance role.
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 2 },
        rootBlockDevice: { volumeType: "gp3", volumeSize: settings.rootVolumeGb, encrypted: true, deleteOnTermination: true, tags },
        tags: { ...tags, Name: name },
      },
      // The role's policies must be attached before first boot pulls from ECR; a newer "latest" AMI
      // must not replace a running host (pin amiId to roll the OS deliberately).
      { parent: this, dependsOn: attachments, ignoreChanges: settings.amiId ? ["userData"] : ["ami", "userData"] },
    );

    const eip = new aws.ec2.Eip(`${name}-eip`, { domain: "vpc", tags: { ...tags, Name: name } }, { parent: this });
    const association = new aws.ec2.EipAssociation(`${name}-eip-assoc`, { allocationId: eip.id, instanceId: instance.id }, { parent: this });

    // Consumers (SSH deployment) must wait until the address actually points at the instance.
    this.publicIp = pulumi.all([eip.publicIp, association.id]).apply(([ip]) => ip);
    this.publicDns = pulumi.all([eip.publicDns, association.id]).apply(([dns]) => dns);
    this.instanceId = instance.id;

    this.registerOutputs({
      publicIp: this.publicIp,
      publicDns: this.publicDns,
      instanceId: this.instanceId,
      sshUser: this.sshUser,
      sshPrivateKey: this.sshPrivateKey,
      amiId: this.amiId,
    });
  }
}
