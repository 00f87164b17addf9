// One spec per setting: the only place a setting's type, default, range and meaning are written.
// Pulumi.yaml's `config:` block and docs/reference/configuration.md are generated from this table
// (`npm run gen:config`); a unit test fails when they drift.
import { ENGINES, RDS_STORAGE_GB } from "./engines";
import { SANDBOX_INSTANCE_TYPE } from "./stages";

/** The fewest days of automated backups prod keeps (its default is twice that). */
export const PROD_MIN_BACKUP_DAYS = 7;
import type { DbEngine, Stage } from "./types";
import { isDependent, perStage, type SettingSpec, type SpecValue } from "./specTypes";
import { LATER_SECTIONS } from "./specsLater";

/** Every `compose-on-ec2:<key>`, in the order the docs list them. aws:region is judged separately. */
export const SPECS: Record<string, SettingSpec> = {
  stage: {
    section: "stack",
    type: "string",
    allowed: ["dev", "prod", "sandbox"],
    unsetMeans: "from the stack name: the stack `dev` is dev, the stack `prod` is prod, every other stack is a sandbox",
    description: "The stack's stage. Only the stack named dev may be dev and only the stack named prod may be prod.",
  },
  iamPermissionsBoundary: {
    section: "stack",
    type: "string",
    unsetMeans: "no boundary (separate AWS accounts per stage: the recommended shape)",
    description:
      "ARN of an IAM managed policy set as the permissions boundary of every role the stack creates. Needed where one AWS account holds several stages: the CI role may then create only roles that carry it (npm run iam-policy -- --permissions-boundary <arn>).",
  },
  vpcId: { section: "network", type: "string", unsetMeans: "the region's default VPC",
    description: "Existing VPC id (vpc-…)." },
  subnetIds: { section: "network", type: "array", unsetMeans: "the VPC's default-for-AZ subnets",
    description: "Public subnet ids for the host (subnet-…); needs vpcId." },
  dbSubnetIds: { section: "network", type: "array", unsetMeans: "subnetIds, else the VPC's subnets",
    description: "Subnet ids for the DB subnet group, in at least 2 AZs; needs vpcId." },
  httpCidrs: {
    section: "firewall",
    type: "array",
    default: ["0.0.0.0/0", "::/0"],
    description: "CIDRs (IPv4 or IPv6) allowed on ports 80 and 443; each network once.",
  },
  transport: {
    section: "firewall",
    type: "string",
    default: perStage("ssh", "ssm", "ssh"),
    allowed: ["ssh", "ssm"],
    description:
      "How the deployment reaches the host (ec2). ssh: straight to port 22, open to sshCidrs. ssm: OpenSSH through AWS Systems Manager "
      + "Session Manager (`aws ssm start-session`, AWS-StartSSHSession) with no inbound port 22 at all; the machine running Pulumi needs the "
      + "AWS CLI and its Session Manager plugin. Either way the host's SSH host key is pinned. Switching replaces only the deployment's step resources.",
  },
  sshCidrs: {
    section: "firewall",
    type: "array",
    default: perStage(["0.0.0.0/0"], undefined, ["0.0.0.0/0"]),
    unsetMeans: "required on transport ssh; never the world, nor in prod wider than /16 (IPv6 /48)",
    description:
      "CIDRs allowed on port 22 on transport ssh (unused on ssm, which opens no port 22); must include where `pulumi up` runs; each network once.",
  },
  hostOs: {
    section: "host",
    type: "string",
    default: "al2023",
    allowed: ["al2023", "ubuntu"],
    description: "Host operating system: al2023 (Amazon Linux 2023, user ec2-user) or ubuntu (24.04, user ubuntu).",
  },
  instanceType: {
    section: "host",
    type: "string",
    default: perStage("t3.small", "t3.medium", SANDBOX_INSTANCE_TYPE.x86_64),
    description:
      "EC2 instance type, family.size: any family of AWS's list of instance types (components/config/ec2InstanceTypes.json) but mac*; Graviton families (a g after the generation: t4g, m7g, c7gn) → arm64.",
  },
  amiId: {
    section: "host",
    type: "string",
    unsetMeans: "the OS's latest image from the SSM public parameter; later images do not replace the host",
    description: "Pinned AMI id (ami-…); must be built for the instance type's architecture.",
  },
  rootVolumeGb: { section: "host", type: "integer", default: 20, min: 8, max: 1024,
    description: "Encrypted gp3 root volume size in GiB." },
  sshPublicKey: {
    section: "host",
    type: "string",
    unsetMeans: "an ED25519 key pair generated with @pulumi/tls",
    description: "OpenSSH public key for the host. Set together with sshPrivateKey.",
  },
  sshPrivateKey: {
    section: "host",
    type: "string",
    secret: true,
    unsetMeans: "generated with the key pair",
    description: "Private key matching sshPublicKey. Set both or neither.",
  },
  dbEngine: { section: "database", type: "string", default: "postgres", allowed: ["postgres", "mysql", "mariadb"],
    description: "RDS engine." },
  dbEngineVersion: {
    section: "database",
    type: "string",
    default: { on: "dbEngine", values: { postgres: "16", mysql: "8.0", mariadb: "10.11" } },
    description: "Engine MAJOR version only: "
      + (Object.keys(ENGINES) as DbEngine[]).map((e) => `${e} ${ENGINES[e].majors.join(", ")}`).join("; ")
      + ". RDS applies minor upgrades itself (auto minor version upgrade is on), so a pinned minor would fight it and is refused.",
  },
  dbInstanceClass: { section: "database", type: "string",
    default: perStage("db.t4g.micro", "db.t4g.small", "db.t4g.micro"),
    description: "RDS instance class, db.family.size." },
  dbAllocatedStorageGb: {
    section: "database",
    type: "integer",
    default: 20,
    min: RDS_STORAGE_GB.min,
    max: RDS_STORAGE_GB.max,
    description: "Allocated gp3 storage in GiB.",
  },
  dbMaxAllocatedStorageGb: {
    section: "database",
    type: "integer",
    default: perStage(undefined, 100, undefined),
    unset: 0,
    min: RDS_STORAGE_GB.min + 1,
    max: RDS_STORAGE_GB.max,
    unsetMeans: "no storage autoscaling",
    description:
      `Storage autoscaling ceiling in GiB, above dbAllocatedStorageGb. The prod default is at least twice the allocated storage, capped at RDS's ${RDS_STORAGE_GB.max} GiB.`,
  },
  dbName: { section: "database", type: "string", default: "app",
    description:
      "Initial database name: letters, digits and _, starting with a letter; not a name the engine reserves." },
  dbUsername: {
    section: "database",
    type: "string",
    default: "app_admin",
    description:
      "Master username: 1-16 characters, letters, digits and _, starting with a letter; not an account or word the engine reserves.",
  },
  dbMultiAz: { section: "database", type: "boolean", default: false,
    description: "Run RDS Multi-AZ (a standby in a second AZ)." },
  dbBackupRetentionDays: {
    section: "database",
    type: "integer",
    default: perStage(1, PROD_MIN_BACKUP_DAYS * 2, 1),
    unset: -1,
    min: 0,
    max: 35,
    description:
      `Automated backup retention in days; prod keeps at least ${PROD_MIN_BACKUP_DAYS} (a week of restore points for the restore drill).`,
  },
  dbSnapshotIdentifier: {
    section: "database",
    type: "string",
    unsetMeans: "an empty database",
    description:
      "Create the database from this RDS DB snapshot: its identifier (own manual snapshots, `rds:…` automated ones) or, for a snapshot "
      + "another account shared, its ARN. The snapshot's engine and major version must be dbEngine and dbEngineVersion, its storage at most "
      + "dbAllocatedStorageGb, and it must be encrypted (copy an unencrypted one with a KMS key first). Changing it later replaces the database.",
  },
  dbImportIdentifier: {
    section: "database",
    type: "string",
    unsetMeans: "the stack creates its own instance",
    description:
      "Adopt this existing RDS instance (its identifier) instead of creating one: the first `pulumi up` imports it, and every database "
      + "setting must match it (see docs/guides/moving-in.md). Needs dbPassword. Not with dbSnapshotIdentifier.",
  },
  dbPassword: {
    section: "database",
    type: "string",
    secret: true,
    unsetMeans: "generated",
    description:
      "The master password of the instance named by dbImportIdentifier (an adopted instance keeps its password). Only with dbImportIdentifier.",
  },
  appDir: { section: "app", type: "string", default: "app",
    description: "App directory relative to the project root; must contain composeFile." },
  deployMode: {
    // No one default: ecs always pushes to a registry, so a declared "host" would be refused there.
    section: "app",
    type: "string",
    allowed: ["host", "registry"],
    unsetMeans: "host on ec2; ecs always builds and pushes to ECR",
    description: "host (build on the instance) or registry (build, push to ECR, host pulls).",
  },
  composeFile: { section: "app", type: "string", default: "docker-compose.prod.yml",
    description: "Compose file inside appDir; must define services, webService among them." },
  webService: { section: "app", type: "string", default: "web",
    description: "Compose service that serves HTTP and runs migrations." },
  proxyService: {
    section: "app",
    type: "string",
    unsetMeans:
      "the one service other than webService that publishes through ${HTTP_PORT} (or port 80 or 443) in the compose file",
    description: "Compose service that proxies to webService (nginx): the deploy reloads it during a switch.",
  },
  webPort: {
    section: "app",
    type: "integer",
    unset: 0,
    min: 1,
    max: 65535,
    unsetMeans:
      "gunicorn's --bind port in webService's command or entrypoint, else its first `expose:` entry, else 8000",
    description:
      "Port webService listens on inside its container; the deploy probes it when webService has no healthcheck.",
  },
  workerServices: {
    section: "app",
    type: "array",
    default: [],
    description:
      "Compose services the deploy treats as workers besides those it finds itself (services built from webService's build or running its image): "
      + "on ec2 each is restarted only after webService has switched, one replica at a time, with its stop_grace_period to finish its job (SIGTERM); "
      + "left alone when unchanged. Names of services of the compose file, not webService or proxyService.",
  },
  appAllowFiles: {
    section: "app",
    type: "array",
    default: [],
    description:
      "Patterns (.dockerignore syntax, relative to appDir) of files the bundle would refuse as secrets but that ship on purpose, "
      + "e.g. a test certificate; no absolute paths and no ..",
  },
  composeAllowEscapes: {
    section: "app",
    type: "array",
    default: [],
    description:
      "Escape hatches of the compose file kept on purpose, one `<service>:<hatch>` each: `privileged`, `network_mode:host`, `pid:host`, "
      + "`ipc:host`, `cap_add:<CAPABILITY>` (SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE, DAC_READ_SEARCH, ALL) or `volume:<absolute host path>` "
      + '(the Docker socket included), e.g. `["worker:privileged"]`. Prod refuses every hatch not listed; other stages warn in the plan. '
      + "An entry the file does not have is refused.",
  },
  healthPath: { section: "app", type: "string", default: "/healthz",
    description:
      "HTTP path that must answer 2xx: probed on each new web container when the compose file gives it no healthcheck, and through the proxy after each deploy. Starts with /, no spaces, no [ ] { } (curl would glob them)." },
  healthTimeoutSeconds: { section: "app", type: "integer", default: 120, min: 10, max: 900,
    description: "Seconds the health check may take before rolling back." },
  healthBusySeconds: {
    section: "app",
    type: "integer",
    default: 60,
    min: 0,
    max: 900,
    description:
      "ec2: seconds a check through the proxy or the edge keeps waiting while the app is busy (no answer in time, while the new web container "
      + "answers its own health check directly); past them the deploy goes on with a warning, never fails. Refusals, 5xx and a wrong release fail.",
  },
  keepReleases: { section: "app", type: "integer", default: 5, min: 2, max: 50,
    description: "Releases kept on the host for rollback." },
  appEnv: {
    section: "app",
    type: "object",
    default: {},
    description:
      'JSON object of extra non-secret .env entries, e.g. {"DJANGO_LOG_LEVEL":"INFO"}: stored in plain text in the stack file, so secrets go in appSecrets '
      + "(the policy fails a prod stack whose appEnv holds a name that looks secret). Names the deployment sets are refused; "
      + "values may not hold quotes, backslashes, ${ or line breaks; prod refuses debug switches such as DJANGO_DEBUG=1.",
  },
  appSecrets: {
    section: "app",
    type: "object",
    default: {},
    secret: true,
    description:
      "The app's own secrets (SMTP password, payment and API keys): a JSON object of NAME → value, set with `npm run env:import` from an old "
      + ".env file, or one by one with `pulumi config set --secret --path 'appSecrets.NAME' value` (or the whole object as a JSON string on stdin). Kept encrypted in the stack file and in state; on ec2 written into the release's .env "
      + "(stdin, 0600), on ecs SSM SecureString parameters handed to the task as `secrets`. The appEnv rules apply to names and values; "
      + "a name may not also be in appEnv nor be one the deployment sets. Values are never shown.",
  },
  secretKey: {
    section: "app",
    type: "string",
    secret: true,
    unsetMeans: "generated (64 letters and digits) and kept in state",
    description:
      "The app's Django SECRET_KEY (written as SECRET_KEY and DJANGO_SECRET_KEY), to keep the key of an app moving in: sessions and "
      + "password-reset links signed with it stay valid. `printf '%s' \"$KEY\" | pulumi config set --secret secretKey`. The .env rules apply to the value.",
  },
  ...LATER_SECTIONS,
};

/** The schema of every `compose-on-ec2:<key>` (kept under its former name for importers). */
export const CONFIG_SCHEMA = SPECS;

/** The default of a setting for a stage and engine; undefined when it is unset there. */
export function defaultFor(key: string, stage: Stage, engine?: DbEngine): SpecValue | undefined {
  const d = SPECS[key].default;
  if (!isDependent(d)) return d;
  if (d.on === "stage") return d.values[stage];
  return engine === undefined ? undefined : d.values[engine];
}
