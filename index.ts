// Wiring only: settings → network → firewall → host and database (in parallel) → exports.
// Every decision lives in components/; this file just connects their inputs and outputs.
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "./components/config";
import { Network } from "./components/network";
import { Firewall } from "./components/firewall";
import { Host } from "./components/host";
import { Database, dbIdentifier } from "./components/database";

// Fails before any resource exists when a setting is wrong (one error listing every problem).
const config = loadConfig();

const network = new Network("net", { settings: config.network, tags: config.tags });

const firewall = new Firewall("fw", {
  vpcId: network.vpcId,
  settings: config.firewall,
  dbPort: config.database.port,
  stage: config.stage,
  tags: config.tags,
});

// Host and database depend only on network + firewall, never on each other: AWS builds them in parallel.
const host = new Host("host", {
  settings: config.host,
  subnetId: network.hostSubnetId,
  securityGroupIds: [firewall.webSecurityGroupId],
  tags: config.tags,
});

const database = new Database("db", {
  settings: config.database,
  identifier: dbIdentifier(config.project, config.stack),
  subnetGroupName: network.dbSubnetGroupName,
  securityGroupId: firewall.dbSecurityGroupId,
  tags: config.tags,
});

// --- deployment (wired by the lead) ---
// The ComposeDeployment (components/deployment.ts) goes here: it reads host.publicIp, host.sshUser,
// host.sshPrivateKey, database.url and config.app, and exports the release id.
// --- end deployment ---

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
export const dbName = database.dbName;
export const dbUsername = database.username;
// Secrets stay secret in state and in `pulumi stack output` (unless --show-secrets).
export const dbUrl = pulumi.secret(database.url);
export const dbPassword = pulumi.secret(database.password);
export const sshPrivateKey = pulumi.secret(host.sshPrivateKey);
