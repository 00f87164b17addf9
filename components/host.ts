// The EC2 host: latest AL2023/Ubuntu AMI for the instance's architecture (not replaced when a newer one
// is published), IMDSv2 only, encrypted gp3 root volume, an SSH key pair (given or generated), an
// instance role for SSM and ECR pulls, an Elastic IP, and cloud-init that installs Docker + compose v2
// (with monitoring: Docker's awslogs config and the disk metric timer).
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as tls from "@pulumi/tls";
import { Arch, HostOs, HostSettings } from "./config";
import { hostBaseDir } from "./layout";
import { HostFile, monitoringHostFiles } from "./monitoring";

export interface HostArgs {
  /** OS, size, AMI, disk and SSH key choices from the stack config. */
  settings: HostSettings;
  /** Public subnet to launch into. */
  subnetId: pulumi.Input<string>;
  /** Security groups of the instance. */
  securityGroupIds: pulumi.Input<string>[];
  /** AWS region: names the ECR registry the host pulls from. */
  region: string;
  /** Tags for every taggable child. */
  tags: Record<string, string>;
  /** The container log group Docker ships to and the disk metric timer; undefined: neither is installed. */
  monitoring?: { logGroupName: string };
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

/** Where cloud-init writes host/cloud-init/provision.sh on the instance before running it. */
export const PROVISION_PATH = "/usr/local/lib/compose-on-ec2/provision.sh";

/** The SSH port the deployment logs in on (the firewall opens it to sshCidrs). */
export const SSH_PORT = 22;

/** The ECR registry of an account and region: the only registry the host's credential helper serves. */
export function ecrRegistryHost(accountId: string, region: string): string {
  return `${accountId}.dkr.ecr.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}`;
}

/** One write_files entry; JSON strings are valid YAML double-quoted scalars: no escaping surprises. */
function writeFile(f: HostFile): string[] {
  return [`  - path: ${f.path}`, `    permissions: "${f.permissions}"`, `    content: ${JSON.stringify(f.content)}`];
}

/**
 * cloud-init user data (#cloud-config): writes host/cloud-init/provision.sh to the instance and runs
 * it once with this host's OS, architecture, SSH user, base directory, ECR registry and compose
 * version. The script installs Docker, the compose v2 plugin and the ECR credential helper. With
 * monitoring, Docker's daemon.json (awslogs to the stack's log group) and the disk metric's script,
 * service and timer are written first, and provision.sh enables the timer once the AWS CLI is there.
 * Pure: the same arguments always give the same text, so the instance is never touched needlessly.
 */
export function renderUserData(os: HostOs, arch: Arch, sshUser: string, ecrRegistry: string, monitoring?: { logGroupName: string; region: string }): string {
  const script = fs.readFileSync(path.join(__dirname, "..", "host", "cloud-init", "provision.sh"), "utf8");
  const extra = monitoring ? monitoringHostFiles(monitoring.logGroupName, monitoring.region) : undefined;
  // runcmd's list form runs the command without a shell; the failing script fails cloud-init.
  const provision = ["bash", PROVISION_PATH, os, arch, sshUser, hostBaseDir(sshUser), ecrRegistry, COMPOSE_VERSION, ...(extra ? [extra.timerUnit] : [])];
  return [
    "#cloud-config",
    `# compose-on-ec2 host bootstrap: ${os} ${arch}, user ${sshUser}`,
    "write_files:",
    ...writeFile({ path: PROVISION_PATH, permissions: "0755", content: script }),
    ...(extra?.files ?? []).flatMap(writeFile),
    "runcmd:",
    `  - ${JSON.stringify(provision)}`,
    "",
  ].join("\n");
}

/** Refuse logins that would deploy as root (the command provider defaults to root). */
export function checkSshUser(user: string): string {
  if (user === "root") throw new Error("Host: the SSH user must be the OS's login (ec2-user / ubuntu), never root");
  if (!/^[a-z_][a-z0-9_-]*$/.test(user)) throw new Error(`Host: SSH user "${user}" is not a valid login name`);
  return user;
}

/** Everything needed to reach the host and find the app on it: what ComposeDeployment takes whole. */
export interface HostConnection {
  /** Address to SSH to: the Elastic IP, once associated with the instance. */
  address: pulumi.Input<string>;
  /** SSH port. */
  port: number;
  /** SSH login of the OS (ec2-user on AL2023, ubuntu on Ubuntu); never root. */
  user: string;
  /** Private key of that login (secret). */
  privateKey: pulumi.Input<string>;
  /** EC2 instance id: a new instance re-runs wait-ready, the upload and the deploy. */
  instanceId: pulumi.Input<string>;
  /** The app's base directory on the host (layout.ts: hostBaseDir), prepared at first boot. */
  baseDir: string;
  /** The host's SSH public key when it is pinned; undefined: any host key is accepted. */
  hostKey?: pulumi.Input<string>;
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
  readonly userData: pulumi.Output<string>;
  /** AMI the instance was launched from. */
  readonly amiId: pulumi.Output<string>;
  /** How the deployment reaches the host: address, port, user, key, instance, base directory. */
  readonly connection: HostConnection;
  /** Name of the instance role (monitoring adds its log and metric policy to it). */
  readonly roleName: pulumi.Output<string>;

  constructor(name: string, args: HostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("compose-on-ec2:host:Host", name, {}, opts);
    const { settings, tags } = args;
    this.sshUser = checkSshUser(settings.sshUser);

    this.amiId = settings.amiId
      ? pulumi.output(settings.amiId)
      : aws.ssm.getParameterOutput({ name: amiParameterName(settings.os, settings.arch) }, { parent: this }).value;
    const key = this.sshKeyPair(name, settings, tags);
    this.sshPrivateKey = key.privateKey;
    const role = this.instanceRole(name, tags);
    this.roleName = role.roleName;
    const accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const monitoring = args.monitoring ? { ...args.monitoring, region: args.region } : undefined;
    this.userData = accountId.apply((account) =>
      renderUserData(settings.os, settings.arch, this.sshUser, ecrRegistryHost(account, args.region), monitoring),
    );
    const instance = this.instance(name, args, key.keyName, role);
    const address = this.elasticIp(name, instance, tags);

    this.publicIp = address.publicIp;
    this.publicDns = address.publicDns;
    this.instanceId = instance.id;
    this.connection = {
      address: this.publicIp,
      port: SSH_PORT,
      user: this.sshUser,
      privateKey: this.sshPrivateKey,
      instanceId: this.instanceId,
      baseDir: hostBaseDir(this.sshUser),
    };

    this.registerOutputs({
      publicIp: this.publicIp,
      publicDns: this.publicDns,
      instanceId: this.instanceId,
      sshUser: this.sshUser,
      sshPrivateKey: this.sshPrivateKey,
      amiId: this.amiId,
      roleName: this.roleName,
    });
  }

  /** The EC2 key pair: from the given public key, or a generated ED25519 pair. */
  private sshKeyPair(name: string, settings: HostSettings, tags: Record<string, string>) {
    let publicKey: pulumi.Input<string>;
    let privateKey: pulumi.Output<string>;
    if (settings.sshPublicKey && settings.sshPrivateKey) {
      publicKey = settings.sshPublicKey;
      privateKey = pulumi.secret(settings.sshPrivateKey);
    } else {
      const key = new tls.PrivateKey(`${name}-ssh`, { algorithm: "ED25519" }, { parent: this });
      publicKey = key.publicKeyOpenssh.apply((k) => k.trim());
      privateKey = pulumi.secret(key.privateKeyOpenssh);
    }
    const keyPair = new aws.ec2.KeyPair(`${name}-key`, { publicKey, tags }, { parent: this });
    return { keyName: keyPair.keyName, privateKey };
  }

  /** The instance role (SSM and ECR pulls) and its profile. */
  private instanceRole(name: string, tags: Record<string, string>) {
    const role = new aws.iam.Role(`${name}-role`, { assumeRolePolicy: EC2_ASSUME_ROLE_POLICY, tags }, { parent: this });
    const attachments = Object.entries(INSTANCE_POLICY_ARNS).map(
      ([short, policyArn]) => new aws.iam.RolePolicyAttachment(`${name}-${short}`, { role: role.name, policyArn }, { parent: this }),
    );
    const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name, tags }, { parent: this });
    return { profileName: profile.name, roleName: role.name, attachments };
  }

  private instance(name: string, args: HostArgs, keyName: pulumi.Output<string>, role: ReturnType<Host["instanceRole"]>) {
    const { settings, tags } = args;
    return new aws.ec2.Instance(
      `${name}-instance`,
      {
        ami: this.amiId,
        instanceType: settings.instanceType,
        subnetId: args.subnetId,
        vpcSecurityGroupIds: args.securityGroupIds,
        keyName,
        iamInstanceProfile: role.profileName,
        userData: this.userData,
        // Edits to cloud-init must not replace the host, nor stop/start it (what AWS does by default
        // on a userData update: an outage): they apply to new hosts only (ignoreChanges below).
        userDataReplaceOnChange: false,
        // IMDSv2 only, hop limit 1: a container (one network hop further) cannot reach the instance
        // role. The host's own docker pulls through the credential helper, which needs no extra hop.
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
        rootBlockDevice: { volumeType: "gp3", volumeSize: settings.rootVolumeGb, encrypted: true, deleteOnTermination: true, tags },
        tags: { ...tags, Name: name },
      },
      // The role's policies must be attached before first boot pulls from ECR; a newer "latest" AMI
      // must not replace a running host (pin amiId to roll the OS deliberately).
      { parent: this, dependsOn: role.attachments, ignoreChanges: settings.amiId ? ["userData"] : ["ami", "userData"] },
    );
  }

  /** The Elastic IP; its address is handed out only once it points at the instance. */
  private elasticIp(name: string, instance: aws.ec2.Instance, tags: Record<string, string>) {
    const eip = new aws.ec2.Eip(`${name}-eip`, { domain: "vpc", tags: { ...tags, Name: name } }, { parent: this });
    const association = new aws.ec2.EipAssociation(`${name}-eip-assoc`, { allocationId: eip.id, instanceId: instance.id }, { parent: this });
    return {
      publicIp: pulumi.all([eip.publicIp, association.id]).apply(([ip]) => ip),
      publicDns: pulumi.all([eip.publicDns, association.id]).apply(([dns]) => dns),
    };
  }
}
