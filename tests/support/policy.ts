// Shared by the policy tests (tests/unit/policy-*.test.ts): a small compliant stack of plain resources,
// and a copy of it with one resource edited.
import type { PolicyResource } from "../../policy/rules";

/** The tags the stack puts on every resource of a stage. */
export const stageTags = (stage: string) => ({ project: "compose-on-ec2", stack: stage, stage });

/** A small, compliant stack: web SG + host, DB SG admitting only the web SG, RDS, deploy command. */
export function goodStack(stage = "prod"): PolicyResource[] {
  return [
    { type: "aws:ec2/securityGroup:SecurityGroup", name: "web-sg", urn: "urn:web-sg", id: "sg-web", protect: false,
      props: { tags: stageTags(stage), ingress: [
        { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
        { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["203.0.113.0/24"] },
      ] } },
    { type: "aws:ec2/securityGroup:SecurityGroup", name: "db-sg", urn: "urn:db-sg", id: "sg-db", protect: false,
      props: { tags: stageTags(stage) } },
    { type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name: "db-from-web", urn: "urn:db-from-web",
      id: "sgr-1", protect: false,
      props: { tags: stageTags(stage), securityGroupId: "sg-db", referencedSecurityGroupId: "sg-web", ipProtocol: "tcp",
        fromPort: 5432, toPort: 5432 } },
    { type: "aws:ec2/instance:Instance", name: "host", urn: "urn:host", id: "i-1", protect: false,
      props: { tags: stageTags(stage), vpcSecurityGroupIds: ["sg-web"],
        rootBlockDevice: { encrypted: true, volumeSize: 20 },
        metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 } } },
    { type: "aws:rds/instance:Instance", name: "db", urn: "urn:db", id: "db-1", protect: stage === "prod",
      props: { tags: stageTags(stage), vpcSecurityGroupIds: ["sg-db"], publiclyAccessible: false,
        storageEncrypted: true, deletionProtection: stage === "prod", skipFinalSnapshot: stage !== "prod",
        finalSnapshotIdentifier: stage === "prod" ? "db-final-1" : undefined, password: "s3cr3t-Passw0rd-xyz" } },
    { type: "command:remote:Command", name: "deploy", urn: "urn:deploy", protect: false,
      props: { create: "set -e; cat > .env; ./deploy.sh", stdin: "DB_PASSWORD=s3cr3t-Passw0rd-xyz" } },
    // The outputs the stack rules read, as CrossGuard hands them: a prod site over HTTPS from Let's Encrypt.
    { type: "pulumi:pulumi:Stack", name: `compose-on-ec2-${stage}`, urn: "urn:stack", protect: false,
      props: { stage, hosting: "ec2", https: true, allowPlainHttp: false,
        acmeServer: "https://acme-v02.api.letsencrypt.org/directory", hsts: true } },
  ];
}

/** A deep copy of `resources` with the one named `name` edited by `edit`. */
export function change(resources: PolicyResource[], name: string, edit: (r: PolicyResource) => void): PolicyResource[] {
  const copy = JSON.parse(JSON.stringify(resources)) as PolicyResource[];
  const target = copy.find((r) => r.name === name);
  if (!target) throw new Error(`no ${name}`);
  edit(target);
  return copy;
}
