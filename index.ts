// Wiring only: settings → network → firewall → database, then the hosting: ec2 (host + compose
// deployment) or ecs (Fargate service behind a load balancer, media on S3) → exports.
// Every decision lives in components/; this file just connects their inputs and outputs.
import * as pulumi from "@pulumi/pulumi";
import { certificateSource as describeCertificateSource, loadConfig, stackResourceName } from "./components/config";
import { Network } from "./components/network";
import { Firewall } from "./components/firewall";
import { Host } from "./components/host";
import { Database, dbIdentifier } from "./components/database";
import { buildContext, createAppBundle } from "./components/bundle";
import { RegistryImages, registryImagesFor } from "./components/images";
import { ComposeDeployment } from "./components/deployment";
import { sshCommandFor } from "./components/transport";
import { EcsHosting } from "./components/ecs";
import { MediaBucket } from "./components/media";
import { Monitoring, containerLogGroupName } from "./components/monitoring";
import { SiteDns } from "./components/siteDns";
import { appEnvironment as appEnvironmentOf } from "./components/config/envfile";

// Fails before any resource exists when a setting is wrong (one error listing every problem).
const config = loadConfig();

const network = new Network("net", { settings: config.network, tags: config.tags, hostInstanceType: config.host.instanceType });

const firewall = new Firewall("fw", {
  vpcId: network.vpcId,
  settings: config.firewall,
  dbPort: config.database.port,
  tags: config.tags,
  hosting: config.hosting.kind,
  appPort: config.hosting.ecs?.containerPort,
});

const dbInstanceIdentifier = dbIdentifier(config.project, config.stack);
const database = new Database("db", {
  settings: config.database,
  identifier: dbInstanceIdentifier,
  subnetGroupName: network.dbSubnetGroupName,
  securityGroupId: firewall.dbSecurityGroupId,
  tags: config.tags,
});

// The app: one deterministic bundle (its sha256 is the release id).
const appName = stackResourceName(config.project, config.stack);
const bundle = createAppBundle(__dirname, config.app.dir, config.app.composeFile, { allowFiles: config.app.allowFiles, warn: (m) => pulumi.log.warn(m) });
const media = config.hosting.mediaStorage === "s3" ? new MediaBucket("media", { appName, stage: config.stage, region: config.region, tags: config.tags }) : undefined;

// ---- hosting: ec2 — one host running the compose file (media on a volume, or in the bucket) ----
function ec2Hosting() {
  // Host and database depend only on network + firewall, never on each other: AWS builds them in parallel.
  const host = new Host("host", {
    settings: config.host,
    subnetId: network.hostSubnetId,
    securityGroupIds: [firewall.webSecurityGroupId],
    region: config.region,
    tags: config.tags,
    monitoring: { logGroupName: containerLogGroupName(config.project, config.stack) },
    appPolicy: media?.accessPolicy, // mediaStorage s3: the app reaches its bucket with the instance role
  });
  // Container logs in CloudWatch (Docker's awslogs driver, set up by the host's cloud-init) and the
  // alarms on the host and the database.
  const monitoring = new Monitoring("monitoring", {
    settings: config.monitoring,
    logGroupName: containerLogGroupName(config.project, config.stack),
    instanceId: host.instanceId,
    instanceRoleName: host.roleName,
    dbInstanceIdentifier,
    region: config.region,
    tags: config.tags,
  });
  // Built images in registry mode, and the compose deployment over SSH. It waits only for what it
  // reads (host connection, DB URL), for the firewall that lets SSH in, and for what the running app
  // uses: the database and the log group Docker ships to (no container starts before it exists);
  // `pulumi destroy` keeps them until the app is down.
  const images = registryImagesFor("images", config, appName, bundle.sha256, () => buildContext(bundle)); // undefined in host mode
  const deployment = new ComposeDeployment("app", {
    connection: host.connection,
    transport: config.firewall.transport,
    region: config.region,
    bundle,
    app: config.app,
    appName,
    databaseUrl: database.url,
    allowedHosts: [...config.hosting.domain, host.publicIp, host.publicDns],
    tls: config.site.tls,
    imageRefs: images?.imageRefs,
    mediaEnv: media?.appEnv,
    sshAccess: [firewall],
    teardownBefore: [database, monitoring],
  });
  // The names pointed at the host: records in the hosted zone, or the records to create by hand.
  const dns = config.hosting.domain.length > 0
    ? new SiteDns("site-dns", { domain: config.hosting.domain, hostedZoneId: config.hosting.hostedZoneId, address: host.publicIp })
    : undefined;
  return { host, deployment, monitoring, dns };
}

// ---- hosting: ecs — the web service on Fargate behind a load balancer (never run here: see components/ecs.ts) ----
function ecsHosting(plan: NonNullable<typeof config.hosting.ecs>, bucket: MediaBucket) {
  // Fargate pulls from a registry: the web image is always built and pushed to ECR (x86_64 tasks),
  // from the bundle's files (what an ec2 host would get), never the raw app directory.
  const images = new RegistryImages("images", {
    appName, stage: config.stage, arch: "x86_64", builds: [{ service: config.app.webService, context: buildContext(bundle) }],
    tag: bundle.sha256, keepReleases: config.app.keepReleases, tags: config.tags,
  });
  return new EcsHosting("app", {
    project: config.project, stack: config.stack, stage: config.stage, region: config.region, appName, plan, webService: config.app.webService,
    webImage: images.imageRefs.apply((refs) => refs[config.app.webService]),
    webRepositoryUrl: images.repositoryUrls.apply((urls) => urls[config.app.webService]),
    releaseId: bundle.sha256, appEnv: config.app.env, appSecrets: config.app.secrets, secretKey: config.app.secretKey, databaseUrl: database.url, logRetentionDays: config.monitoring.logRetentionDays,
    healthPath: config.app.healthPath, healthTimeoutSeconds: config.app.healthTimeoutSeconds,
    vpcId: network.vpcId, subnetIds: network.publicSubnetIds,
    loadBalancerSecurityGroupId: firewall.loadBalancerSecurityGroupId!, taskSecurityGroupId: firewall.webSecurityGroupId,
    domain: config.hosting.domain, hostedZoneId: config.hosting.hostedZoneId,
    media: { accessPolicy: bucket.accessPolicy, appEnv: bucket.appEnv }, tags: config.tags,
  });
}

const ec2 = config.hosting.ecs ? undefined : ec2Hosting();
const ecs = config.hosting.ecs && media ? ecsHosting(config.hosting.ecs, media) : undefined;
const host = ec2?.host;

export const stage = config.stage;
export const region = config.region;
export const hosting = config.hosting.kind;
/** How the deployment reaches the host (ec2): ssh (port 22) or ssm (Session Manager, no inbound port). */
export const transport = config.hosting.ecs ? undefined : config.firewall.transport;
export const url = ecs ? ecs.url : config.site.tls ? `https://${config.site.tls.domains[0]}` : pulumi.interpolate`http://${host?.publicIp}`;
/** Where the site's certificate comes from (e.g. "Let's Encrypt via HTTP-01 on the host", or "none: plain HTTP (no domain)"). */
export const certificateSource = describeCertificateSource(config.hosting, config.site);
/** Whether browsers reach the site over HTTPS, and whether prod serves plain HTTP on purpose (the policy reads both). */
export const https = config.site.https;
export const allowPlainHttp = config.site.allowPlainHttp;
export const publicIp = host?.publicIp;
export const publicDns = host?.publicDns;
export const instanceId = host?.instanceId;
export const sshUser = host?.sshUser;
// Save the key first: pulumi stack output --show-secrets sshPrivateKey > <key file> && chmod 600 <key file>
export const sshCommand = host ? sshCommandFor(`${config.project}-${config.stack}.pem`, host.sshUser, config.firewall.transport, host.publicIp, host.instanceId) : undefined;
export const dbEndpoint = database.endpoint;
export const releaseId = ec2 ? ec2.deployment.releaseId : bundle.sha256;
export const dbName = database.dbName;
export const dbUsername = database.username;
// ecs: the cluster and service `ops exec` / `aws ecs execute-command` address, and DNS to set by hand.
export const ecsCluster = ecs?.clusterName;
export const ecsService = ecs?.serviceName;
export const loadBalancerDnsName = ecs?.loadBalancerDnsName;
export const dnsRecordsToCreate = ecs ? ecs.dnsRecordsToCreate : ec2?.dns?.dnsRecordsToCreate;
export const mediaBucket = media?.bucketName;
// CloudWatch: where the containers' logs go (`aws logs tail <group> --follow`) and the alarm topic.
export const logGroupName = ecs ? ecs.logGroupName : ec2?.monitoring.logGroupName;
export const alarmTopicArn = ec2?.monitoring.alarmTopicArn;
// Secrets stay secret in state and in `pulumi stack output` (unless --show-secrets).
export const dbUrl = pulumi.secret(database.url);
export const dbPassword = pulumi.secret(database.password);
export const sshPrivateKey = host ? pulumi.secret(host.sshPrivateKey) : undefined;
// The host's SSH host key, pinned by the deployment: `echo "<address> $(pulumi stack output hostPublicKey)" >> ~/.ssh/known_hosts`.
export const hostPublicKey = host?.hostPublicKey;
// Every variable the app receives and its source (deployment, appEnv, appSecrets), never a value: the plan lists it, the policy reads it.
export const appEnvironment = appEnvironmentOf({
  hosting: config.hosting.kind, deployMode: config.app.deployMode, webService: config.app.webService, mediaOnS3: media !== undefined,
  httpsOnHost: config.site.tls !== undefined, appEnv: config.app.env, appSecrets: config.app.secrets,
});
