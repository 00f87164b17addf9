// Wiring only: settings → network → firewall → database, then the hosting: ec2 (host + compose
// deployment) or ecs (Fargate service behind a load balancer, media on S3) → exports.
// Every decision lives in components/; this file just connects their inputs and outputs.
import * as pulumi from "@pulumi/pulumi";
import { certificateSource as describeCertificateSource, type EcsTaskPlan, loadConfig, stackResourceName,
  stackRolePath } from "./components/config";
import { Network } from "./components/network";
import { Firewall } from "./components/firewall";
import { Host } from "./components/host";
import { Database, dbIdentifier, rdsCaBundle, rdsRegionCaBundle } from "./components/database";
import { buildContext, createAppBundle } from "./components/bundle";
import { RegistryImages, registryImagesFor } from "./components/images";
import { ComposeDeployment } from "./components/deployment";
import { sshCommandFor } from "./components/transport";
import { EcsHosting } from "./components/ecs";
import { MediaBucket } from "./components/media";
import { ManagedCache, CACHE_PORT, cacheIdentifier } from "./components/cache";
import { Monitoring } from "./components/monitoring";
import { ContainerLogs, containerLogGroupName } from "./components/containerLogs";
import { SiteDns, SiteTarget } from "./components/siteDns";
import type { StackOutputs } from "./components/outputs";
import { appEnvironmentNames } from "./components/config/appEnv";

// Fails before any resource exists when a setting is wrong (one error listing every problem).
const config = loadConfig();
// The CA bundle the app verifies the database with: ec2's db-user step sends RDS's whole bundle to the
// host; an ecs task carries its region's part in the db-login container's environment (throws here,
// before any resource, for a region the bundle does not know).
const dbCaBundle = config.hosting.ecs ? rdsRegionCaBundle(config.region) : rdsCaBundle();

const network = new Network("net", { settings: config.network, tags: config.tags,
  hostInstanceType: config.host.instanceType });

const firewall = new Firewall("fw", {
  vpcId: network.vpcId,
  settings: config.firewall,
  dbPort: config.database.port,
  tags: config.tags,
  hosting: config.hosting.kind,
  appPort: config.hosting.ecs?.containerPort,
  cachePort: config.cache.kind === "redis" ? CACHE_PORT : undefined,
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
const rolePath = stackRolePath(config.project, config.stage, config.stack);
const bundle = createAppBundle(__dirname, config.app.dir, config.app.composeFile, { allowFiles: config.app.allowFiles,
  warn: (m) => pulumi.log.warn(m) });
// Names both hostings use have one owner each, created here whatever the hosting, so a switch between
// ec2 and ecs updates them in place: the containers' log group, and (siteDns below) the site's records.
// The aliases adopt them from where earlier versions created them (Monitoring on ec2, EcsHosting on ecs).
const logs = new ContainerLogs("logs", {
  project: config.project,
  stack: config.stack,
  retentionDays: config.monitoring.logRetentionDays,
  tags: config.tags,
  formerOwners: [
    { name: "monitoring-containers", parent: pulumi.createUrn("monitoring", "compose-on-ec2:monitoring:Monitoring") },
    { name: "app-logs", parent: pulumi.createUrn("app", "compose-on-ec2:ecs:EcsHosting") },
  ],
});
/** The site's records in the hosted zone (or the ones to create by hand), pointed at the hosting's front. */
function siteDns(target: SiteTarget): SiteDns | undefined {
  if (config.hosting.domain.length === 0) return undefined;
  return new SiteDns("site-dns", {
    domain: config.hosting.domain,
    hostedZoneId: config.hosting.hostedZoneId,
    target,
    // ecs stacks of earlier versions: the load balancer component's alias records.
    formerOwners: (_d,
      i) => [{ name: `app-lb-alias-${i}`,
      parent: pulumi.createUrn("app-lb", "compose-on-ec2:loadBalancer:WebLoadBalancer",
        pulumi.createUrn("app", "compose-on-ec2:ecs:EcsHosting")) }],
  });
}
// cache: redis — ElastiCache outside compose, as the database is, in the DB subnets; its REDIS_URL
// joins the app's environment on both hostings (components/config/appEnv.ts).
const cache = config.cache.kind === "redis"
  ? new ManagedCache("cache", {
    settings: config.cache,
    stage: config.stage,
    identifier: cacheIdentifier(config.project, config.stack),
    subnetIds: network.dbSubnetIds,
    securityGroupId: firewall.cacheSecurityGroupId!,
    tags: config.tags,
  })
  : undefined;
/** The media bucket (mediaStorage s3): one name on both hostings, so a switch keeps it. */
function mediaBucket(): MediaBucket {
  return new MediaBucket("media", { appName, stage: config.stage, region: config.region, tags: config.tags });
}

// ---- hosting: ec2 — one host running the compose file (media on a volume, or in the bucket) ----
function ec2Hosting() {
  const media = config.hosting.mediaStorage === "s3" ? mediaBucket() : undefined;
  // Host and database depend only on network + firewall, never on each other: AWS builds them in parallel.
  const host = new Host("host", {
    rolePath,
    permissionsBoundary: config.iamPermissionsBoundary,
    settings: config.host,
    subnetId: network.hostSubnetId,
    securityGroupIds: [firewall.webSecurityGroupId],
    region: config.region,
    transport: config.firewall.transport,
    ecrRepositoryPrefix: appName, // images.ts names the stack's repositories `${appName}/<service>`
    tags: config.tags,
    monitoring: { logGroupName: containerLogGroupName(config.project, config.stack) },
    appPolicy: media?.accessPolicy, // mediaStorage s3: the app reaches its bucket with the instance role
  });
  // Container logs in CloudWatch (Docker's awslogs driver, set up by the host's cloud-init) and the
  // alarms on the host and the database.
  const monitoring = new Monitoring("monitoring", {
    settings: config.monitoring,
    logGroup: { name: logs.groupName, arn: logs.groupArn },
    hosting: { kind: "ec2", instanceId: host.instanceId, instanceRoleName: host.roleName },
    dbInstanceIdentifier,
    region: config.region,
    tags: config.tags,
  });
  // Built images in registry mode, and the compose deployment over SSH. It waits only for what it
  // reads (host connection, DB URL), for the firewall that lets SSH in, and for what the running app
  // uses: the database and the log group Docker ships to (no container starts before it exists);
  // `pulumi destroy` keeps them until the app is down.
  const images = registryImagesFor("images", config, appName, bundle.sha256, () => buildContext(bundle)); // undefined in host mode
  // The names pointed at the host: records in the hosted zone, or the records to create by hand. The
  // deploy waits for them, so the first certificate is asked for once the names exist.
  const dns = siteDns({ address: host.publicIp });
  const deployment = new ComposeDeployment("app", {
    connection: host.connection,
    transport: config.firewall.transport,
    region: config.region,
    bundle,
    app: config.app,
    appName,
    database: database.logins,
    dbCaBundle,
    allowedHosts: [...config.hosting.domain, host.publicIp, host.publicDns],
    tls: config.site.tls,
    imageRefs: images?.imageRefs,
    mediaEnv: media?.appEnv,
    cacheUrl: cache?.url,
    sshAccess: [firewall],
    teardownBefore: [database, monitoring, logs, ...(cache ? [cache] : [])],
    siteRecords: dns ? [dns] : undefined,
  });
  return { host, deployment, monitoring, dns, media };
}

// ---- hosting: ecs — the web service on Fargate behind a load balancer (never run here: see components/ecs.ts) ----
function ecsHosting(plan: EcsTaskPlan) {
  const media = mediaBucket(); // always on ecs: tasks have no volume that outlives them
  // Fargate pulls from a registry: the web image is always built and pushed to ECR (x86_64 tasks),
  // from the bundle's files (what an ec2 host would get), never the raw app directory.
  const images = new RegistryImages("images", {
    appName,
    stage: config.stage,
    arch: "x86_64",
    builds: [{ service: config.app.webService, context: buildContext(bundle) }],
    tag: bundle.sha256,
    keepReleases: config.app.keepReleases,
    tags: config.tags,
  });
  const ecs = new EcsHosting("app", {
    rolePath,
    permissionsBoundary: config.iamPermissionsBoundary,
    stage: config.stage,
    region: config.region,
    appName,
    plan,
    app: config.app,
    webImage: images.imageRefs.apply((refs) => refs[config.app.webService]),
    webRepositoryUrl: images.repositoryUrls.apply((urls) => urls[config.app.webService]),
    releaseId: bundle.sha256,
    database: database.logins,
    dbCaBundle,
    logGroup: { name: logs.groupName, arn: logs.groupArn },
    vpcId: network.vpcId,
    subnetIds: network.publicSubnetIds,
    securityGroups: firewall.ecsGroups(),
    site: config.hosting,
    media: { accessPolicy: media.accessPolicy, appEnv: media.appEnv },
    cacheUrl: cache?.url,
    tags: config.tags,
  });
  siteDns({ loadBalancer: { dnsName: ecs.loadBalancer.dnsName, zoneId: ecs.loadBalancer.zoneId } });
  // The ecs path's alarms (5xx, unhealthy targets, each service's CPU and memory, the database) notify
  // the same topic, under the same name, as ec2's: a switch of hosting keeps the topic and its subscription.
  const monitoring = new Monitoring("monitoring", {
    settings: config.monitoring,
    logGroup: { name: logs.groupName, arn: logs.groupArn },
    hosting: {
      kind: "ecs",
      clusterName: ecs.clusterName,
      loadBalancerArnSuffix: ecs.loadBalancer.arnSuffix,
      targetGroupArnSuffix: ecs.loadBalancer.targetGroupArnSuffix,
      services: [
        { service: config.app.webService, name: ecs.serviceName },
        ...plan.workers.map((w, i) => ({ service: w.service,
          name: ecs.workerServiceNames.apply((names) => names[i]) })
        ),
      ],
    },
    dbInstanceIdentifier,
    region: config.region,
    tags: config.tags,
  });
  return { ecs, media, monitoring };
}

const ec2 = config.hosting.ecs ? undefined : ec2Hosting();
const ecsStack = config.hosting.ecs ? ecsHosting(config.hosting.ecs) : undefined;
const ecs = ecsStack?.ecs;
const media = ec2 ? ec2.media : ecsStack?.media;
const host = ec2?.host;

// The stack's outputs, typed by their contract (components/outputs.ts), which ops, the sandbox CLI,
// the plan and the workflows read by the same names. Secrets stay secret in state and in
// `pulumi stack output` (unless --show-secrets).
const outputs: StackOutputs = {
  stage: config.stage,
  region: config.region,
  hosting: config.hosting.kind,
  transport: config.hosting.ecs ? undefined : config.firewall.transport,
  url: ecs
    ? ecs.loadBalancer.url
    : config.site.tls
    ? `https://${config.site.tls.domains[0]}`
    : pulumi.interpolate`http://${host?.publicIp}`,
  certificateSource: describeCertificateSource(config.hosting, config.site),
  https: config.site.https,
  allowPlainHttp: config.site.allowPlainHttp,
  acmeServer: ecs ? undefined : config.site.tls?.acmeServer,
  hsts: ecs ? undefined : (config.site.tls?.hsts ?? false),
  publicIp: host?.publicIp,
  publicDns: host?.publicDns,
  instanceId: host?.instanceId,
  sshUser: host?.sshUser,
  sshCommand: host
    ? sshCommandFor(`${config.project}-${config.stack}.pem`, host.sshUser, config.firewall.transport, host.publicIp,
      host.instanceId)
    : undefined,
  dbEndpoint: database.endpoint,
  releaseId: ec2 ? ec2.deployment.releaseId : bundle.sha256,
  dbName: database.logins.dbName,
  dbUsername: database.logins.username,
  databaseSource: database.source,
  ecsCluster: ecs?.clusterName,
  ecsService: ecs?.serviceName,
  loadBalancerDnsName: ecs?.loadBalancer.dnsName,
  dnsRecordsToCreate: ecs ? ecs.loadBalancer.dnsRecordsToCreate : ec2?.dns?.dnsRecordsToCreate,
  mediaBucket: media?.bucketName,
  cacheEndpoint: cache?.endpoint,
  logGroupName: ecs ? ecs.logGroupName : ec2?.monitoring.logGroupName,
  alarmTopicArn: (ec2 ?? ecsStack)?.monitoring.alarmTopicArn,
  dbUrl: pulumi.secret(database.url),
  dbPassword: database.logins.password,
  sshPrivateKey: host ? pulumi.secret(host.sshPrivateKey) : undefined,
  hostPublicKey: host?.hostPublicKey,
  appEnvironment: appEnvironmentNames({
    hosting: config.hosting.kind,
    deployMode: config.app.deployMode,
    webService: config.app.webService,
    mediaOnS3: media !== undefined,
    https: config.site.https,
    cache: cache !== undefined,
    appEnv: config.app.env,
    appSecrets: config.app.secrets,
  }),
};

// The module's exports are the stack's outputs (the Node.js runtime takes what `require` returns).
export = outputs;
