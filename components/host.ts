// The EC2 host: latest AL2023/Ubuntu AMI for the instance's architecture (not replaced when a newer one
// is published), IMDSv2 only, encrypted gp3 root volume, an SSH key pair (given or generated), an
// instance role (pulls from the stack's own ECR repositories; Session Manager's agent on transport ssm
// only), an Elastic IP, and cloud-init that installs Docker + compose v2
// and the host's own SSH host key, generated here so every connection can verify it (pinned)
// (with monitoring: Docker's awslogs config and the disk metric timer).
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as tls from "@pulumi/tls";
import { Arch, HostOs, HostSettings, Transport, amiArchitectureProblem } from "./config";
import { hostBaseDir } from "./layout";
import { EC2_ASSUME_ROLE_POLICY, ecrPullPolicy, SESSION_MANAGER_POLICY } from "./hostIam";
import { renderUserData } from "./userData";

export interface HostArgs {
  /** IAM path of the instance role and profile (stackRolePath): what the CI role may pass. */
  rolePath: string;
  /** ARN of the managed policy the instance role carries as its permissions boundary (iamPermissionsBoundary); undefined: none. */
  permissionsBoundary?: string;
  /** OS, size, AMI, disk and SSH key choices from the stack config. */
  settings: HostSettings;
  /** Public subnet to launch into. */
  subnetId: pulumi.Input<string>;
  /** Security groups of the instance. */
  securityGroupIds: pulumi.Input<string>[];
  /** AWS region: names the ECR registry the host pulls from. */
  region: string;
  /** How the deployment reaches the host: only ssm gives the instance role Session Manager's permissions. */
  transport: Transport;
  /** The stack's ECR repositories are named `<prefix>/<service>`: the only ones the role may pull from. */
  ecrRepositoryPrefix: string;
  /** Tags for every taggable child. */
  tags: Record<string, string>;
  /** The container log group Docker ships to and the disk metric timer; undefined: neither is installed. */
  monitoring?: { logGroupName: string };
  /**
   * An IAM policy (JSON) the app's containers use through the instance role (media on S3): attached
   * to the role, and the metadata hop limit lets containers reach the role (imdsHopLimit).
   */
  appPolicy?: pulumi.Input<string>;
}

/**
 * IMDSv2 hop limit: 1 keeps containers (one network hop further) away from the instance role; 2 lets
 * them reach it, which the app needs only when it uses the role itself (media on S3). They then hold
 * every permission of the role, not only the app's policy.
 */
export function imdsHopLimit(appUsesRole: boolean): number {
  return appUsesRole ? 2 : 1;
}

/** The SSM public parameter holding the latest AMI id for an OS and architecture. */
export function amiParameterName(os: HostOs, arch: Arch): string {
  return os === "ubuntu"
    ? `/aws/service/canonical/ubuntu/server/24.04/stable/current/${
      arch === "arm64" ? "arm64" : "amd64"
    }/hvm/ebs-gp3/ami-id`
    : `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${arch}`;
}

/** The SSH port the deployment logs in on (the firewall opens it to sshCidrs). */
export const SSH_PORT = 22;

/** The ECR registry of an account and region: the only registry the host's credential helper serves. */
export function ecrRegistryHost(accountId: string, region: string): string {
  return `${accountId}.dkr.ecr.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}`;
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
  /** The host's SSH public key ("ssh-ed25519 AAAA…"): every connection verifies the host presents it. */
  hostKey: pulumi.Input<string>;
}

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
  /** The cloud-init user data the instance boots with (secret: it holds the host's private host key). */
  readonly userData: pulumi.Output<string>;
  /** The host's SSH host public key ("ssh-ed25519 AAAA…"), pinned by every connection. */
  readonly hostPublicKey: pulumi.Output<string>;
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
      ? this.pinnedAmi(settings.amiId, settings)
      : aws.ssm.getParameterOutput({ name: amiParameterName(settings.os, settings.arch) }, { parent: this }).value;
    const key = this.sshKeyPair(name, settings, tags);
    this.sshPrivateKey = key.privateKey;
    const accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const role = this.instanceRole(name, args, accountId);
    this.roleName = role.roleName;
    const hostKey = this.hostKey(name);
    this.hostPublicKey = hostKey.publicKey;
    const monitoring = args.monitoring ? { ...args.monitoring, region: args.region } : undefined;
    this.userData = pulumi.secret(
      pulumi
        .all([accountId, hostKey.privateKey, hostKey.publicKey])
        .apply(([account, privateKey, publicKey]) =>
          renderUserData(settings.os, settings.arch, this.sshUser, ecrRegistryHost(account, args.region), { privateKey,
            publicKey }, monitoring)
        ),
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
      hostKey: this.hostPublicKey,
    };

    this.registerOutputs({
      publicIp: this.publicIp,
      publicDns: this.publicDns,
      instanceId: this.instanceId,
      sshUser: this.sshUser,
      sshPrivateKey: this.sshPrivateKey,
      hostPublicKey: this.hostPublicKey,
      amiId: this.amiId,
      roleName: this.roleName,
    });
  }

  /**
   * The host's own SSH host key, generated once with the stack (it changes only when this resource
   * is replaced). Its private half reaches the host only inside the (secret) user data.
   */
  private hostKey(name: string): { privateKey: pulumi.Output<string>; publicKey: pulumi.Output<string> } {
    const key = new tls.PrivateKey(`${name}-host-key`, { algorithm: "ED25519" }, { parent: this });
    return { privateKey: pulumi.secret(key.privateKeyOpenssh), publicKey: key.publicKeyOpenssh.apply((k) => k.trim()) };
  }

  /** The EC2 key pair: from the given public key, or a generated ED25519 pair. */
  /** A pinned AMI, checked against the instance type's architecture before anything is created. */
  private pinnedAmi(amiId: string, settings: HostSettings): pulumi.Output<string> {
    const ami = aws.ec2.getAmiOutput({ filters: [{ name: "image-id", values: [amiId] }], mostRecent: true }, {
      parent: this,
    });
    return ami.architecture.apply((architecture) => {
      const problem = amiArchitectureProblem(amiId, architecture, settings.instanceType, settings.arch);
      if (problem) throw new Error(problem);
      return amiId;
    });
  }

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

  /**
   * The instance role and its profile: pulls from the stack's own ECR repositories, Session Manager's
   * agent only on transport ssm, and the app's own policy when it has one.
   */
  private instanceRole(name: string, args: HostArgs, accountId: pulumi.Output<string>) {
    const { rolePath: path, tags, appPolicy, permissionsBoundary } = args;
    const role = new aws.iam.Role(`${name}-role`, { path, assumeRolePolicy: EC2_ASSUME_ROLE_POLICY, permissionsBoundary,
      tags }, { parent: this });
    const ecrPolicy = accountId.apply((account) => ecrPullPolicy(args.region, account, args.ecrRepositoryPrefix));
    const attachments: pulumi.Resource[] = [
      new aws.iam.RolePolicy(`${name}-ecr`, { role: role.name, policy: ecrPolicy }, { parent: this }),
    ];
    if (args.transport === "ssm") {
      attachments.push(
        new aws.iam.RolePolicy(`${name}-ssm`, { role: role.name, policy: SESSION_MANAGER_POLICY }, { parent: this }),
      );
    }
    if (appPolicy !== undefined) {
      attachments.push(new aws.iam.RolePolicy(`${name}-app`, { role: role.name, policy: appPolicy }, { parent: this }));
    }
    const profile = new aws.iam.InstanceProfile(`${name}-profile`, { path, role: role.name, tags }, { parent: this });
    return { profileName: profile.name, roleName: role.name, attachments };
  }

  private instance(name: string, args: HostArgs, keyName: pulumi.Output<string>,
    role: ReturnType<Host["instanceRole"]>) {
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
        // IMDSv2 only. The host's own docker pulls through the credential helper, which needs no
        // extra hop; containers reach the role only when the app uses it (imdsHopLimit).
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required",
          httpPutResponseHopLimit: imdsHopLimit(args.appPolicy !== undefined) },
        rootBlockDevice: { volumeType: "gp3", volumeSize: settings.rootVolumeGb, encrypted: true,
          deleteOnTermination: true, tags },
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
    const association = new aws.ec2.EipAssociation(`${name}-eip-assoc`, { allocationId: eip.id,
      instanceId: instance.id }, { parent: this });
    return {
      publicIp: pulumi.all([eip.publicIp, association.id]).apply(([ip]) => ip),
      publicDns: pulumi.all([eip.publicDns, association.id]).apply(([dns]) => dns),
    };
  }
}
