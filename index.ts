// Wiring only: settings → network → firewall → host and database (in parallel) → app deployment → exports.
// Every decision lives in components/; this file just connects their inputs and outputs.
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "./components/config";
import { Network } from "./components/network";
import { Firewall } from "./components/firewall";
import { Host } from "./components/host";
import { Database, dbIdentifier } from "./components/database";
import { createAppBundle } from "./components/bundle";
import { registryImagesFor } from "./components/images";
import { ComposeDeployment, appNameFor } from "./components/deployment";

// Fails before any resource exists when a setting is wrong (one error listing every problem).
const config = loadConfig();

const network = new Network("net", { settings: config.network, tags: config.tags, hostInstanceType: config.host.instanceType });

const firewall = new Firewall("fw", {
  vpcId: network.vpcId,
  settings: config.firewall,
  dbPort: config.database.port,
  tags: config.tags,
});

// Host and database depend only on network + firewall, never on each other: AWS builds them in parallel.
const host = new Host("host", {
  settings: config.host,
  subnetId: network.hostSubnetId,
  securityGroupIds: [firewall.webSecurityGroupId],
  region: config.region,
  tags: config.tags,
});

const database = new Database("db", {
  settings: config.database,
  identifier: dbIdentifier(config.project, config.stack),
  subnetGroupName: network.dbSubnetGroupName,
  securityGroupId: firewall.dbSecurityGroupId,
  tags: config.tags,
});

// The app: one deterministic bundle (its sha256 is the release id), built images in registry mode,
// and the compose deployment over SSH. It waits only for what it reads (host connection, DB URL) and
// for the firewall that lets SSH in, which `pulumi destroy` therefore keeps until the app is down.
const appName = appNameFor(config.project, config.stack);
const bundle = createAppBundle(__dirname, config.app.dir, config.app.composeFile);
const images = registryImagesFor("images", config, appName, bundle.sha256); // undefined in host mode

const deployment = new ComposeDeployment("app", {
  connection: host.connection,
  bundle,
  app: config.app,
  appName,
  databaseUrl: database.url,
  allowedHosts: [host.publicIp, host.publicDns],
  imageRefs: images?.imageRefs,
  sshAccess: [firewall],
  teardownBefore: [database],
});

export const stage = config.stage;
export const region = config.region;
export const url = pulumi.interpolate`http://${host.publicIp}`;
export const publicIp = host.publicIp;
export const publicDns = host.publicDns;
export const instanceId = host.instanceId;
export const sshUser = host.sshUser;
// Save the key first: pulumi stack output --show-secrets sshPrivateKey > <key file> && chmod 600 <key file>
export const sshCommand = pulumi.interpolate`ssh -i ${config.project}-${config.stack}.pem ${host.sshUser}@${host.publicIp}`;
export const dbEndpoint = database.endpoint;
export const releaseId = deployment.releaseId;
export const dbName = database.dbName;
export const dbUsername = database.username;
// Secrets stay secret in state and in `pulumi stack output` (unless --show-secrets).
export const dbUrl = pulumi.secret(database.url);
export const dbPassword = pulumi.secret(database.password);
export const sshPrivateKey = pulumi.secret(host.sshPrivateKey);
