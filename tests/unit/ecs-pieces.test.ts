// hosting: ecs: the pure pieces the program builds from (container definitions, the execution role, draining,
// DNS validation, subnets, the media bucket, the task's size).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseConfig, planEcsTask } from "../../components/config";
import * as crypto from "crypto";
import { APP_DB_USER } from "../../components/config";
import { rdsRegionCaBundle } from "../../components/database";
import { containerDefinitions } from "../../components/ecsContainers";
import { DB_LOGIN_CONTAINER } from "../../components/ecsDbLogin";
import { DB_CA } from "../../components/layout";
import { DB_CLIENT_IMAGES, dbLoginScript } from "../../components/remote";
import { ecrRepositoryArn, executionRolePolicy, parametersOf } from "../../components/ecsIam";
import { deregistrationDelaySeconds, manualDnsRecords, validationNames } from "../../components/loadBalancer";
import { bucketPrefix, mediaAccessPolicy } from "../../components/media";
import { onePerAz } from "../../components/network";
import { PROJECT_ROOT } from "../../lib/engine";
import { bucketNameProblem } from "../../lib/engine/awsS3";
import { DEV_CONTEXT } from "../support/ecs";

type Definition = { name: string; environment: { name: string; value: string }[];
  secrets: { name: string; valueFrom: string }[]; image: string; logConfiguration: { logDriver: string };
  dependsOn?: unknown[]; essential?: boolean; mountPoints?: unknown[]; entryPoint?: string[]; command?: string[] };
const DB_LOGIN_ARNS = { "db/master-password": "arn:aws:ssm:us-east-1:123456789012:parameter/app/db/master-password",
  "db/app-password": "arn:aws:ssm:us-east-1:123456789012:parameter/app/db/app-password" };

/** The CNs of a PEM bundle's certificates. */
function subjects(pem: string): string[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [])
    .map((c) => /^CN=(.*)$/m.exec(new crypto.X509Certificate(c).subject)?.[1] ?? "");
}

describe("ecs pieces (pure)", () => {
  const plan = parseConfig({ hosting: "ecs", cache: "redis", appEnv: '{"DJANGO_LOG_LEVEL":"INFO"}' }, DEV_CONTEXT)
    .hosting.ecs!;
  const arns = { "db/app-url": "arn:aws:ssm:us-east-1:123456789012:parameter/app/db/app-url",
    SECRET_KEY: "arn:aws:ssm:us-east-1:123456789012:parameter/app/SECRET_KEY" };
  const defs = containerDefinitions(plan, {
    webService: "web",
    webImage: "123456789012.dkr.ecr.us-east-1.amazonaws.com/app/web@sha256:" + "a".repeat(64),
    region: "us-east-1",
    logGroupName: "/compose-on-ec2/dev/containers",
    streamPrefix: "app",
    env: { DJANGO_LOG_LEVEL: "INFO", RELEASE_ID: "r1", ALLOWED_HOSTS: "x.elb.amazonaws.com" },
    secretArns: arns,
    dbLogin: { caBundle: rdsRegionCaBundle("us-east-1"), secretArns: DB_LOGIN_ARNS,
      target: { engine: "postgres", address: "db.internal", port: 5432, dbName: "app", masterUser: "app_admin",
        appUser: APP_DB_USER } },
  }) as Definition[];
  const web = defs.find((d) => d.name === "web")!;
  const login = defs.find((d) => d.name === DB_LOGIN_CONTAINER)!;

  it("container definitions carry the secrets only by reference in `secrets`, the rest in `environment`", () => {
    assert.deepStrictEqual(web.secrets, [
      { name: "DATABASE_URL", valueFrom: arns["db/app-url"] },
      { name: "SECRET_KEY", valueFrom: arns.SECRET_KEY },
      { name: "DJANGO_SECRET_KEY", valueFrom: arns.SECRET_KEY },
    ]);
    assert.deepStrictEqual(web.environment.map((e) => e.name), ["ALLOWED_HOSTS", "DJANGO_LOG_LEVEL", "RELEASE_ID"]);
    assert.match(web.image, /@sha256:a{64}$/);
    assert.strictEqual(web.logConfiguration.logDriver, "awslogs");
  });

  it("web waits for a non-essential db-login container to exit 0, and reads the CA bundle it writes from a shared task volume", () => {
    assert.deepStrictEqual(defs.map((d) => d.name), [DB_LOGIN_CONTAINER, "web"]);
    assert.deepStrictEqual(web.dependsOn, [{ containerName: DB_LOGIN_CONTAINER, condition: "SUCCESS" }]);
    assert.strictEqual(login.essential, false, "ECS refuses SUCCESS on an essential container");
    assert.deepStrictEqual(web.mountPoints, [{ sourceVolume: DB_CA.ecsVolume, containerPath: "/db-ca",
      readOnly: true }]);
    assert.deepStrictEqual(login.mountPoints, [{ sourceVolume: DB_CA.ecsVolume, containerPath: "/db-ca",
      readOnly: false }]);
    assert.strictEqual(login.image, DB_CLIENT_IMAGES.postgres);
    assert.deepStrictEqual([login.entryPoint, login.command?.[0]], [["bash", "-c"], dbLoginScript()]);
  });

  it("only db-login gets the master password, by reference; the app gets its own login's URL", () => {
    assert.deepStrictEqual(login.secrets, [{ name: "DB_MASTER_PASSWORD",
      valueFrom: DB_LOGIN_ARNS["db/master-password"] }, { name: "DB_APP_PASSWORD",
      valueFrom: DB_LOGIN_ARNS["db/app-password"] }]);
    assert.ok(!web.secrets.some((s) => s.valueFrom === DB_LOGIN_ARNS["db/master-password"]));
    const env = Object.fromEntries(login.environment.map((e) => [e.name, e.value]));
    assert.deepStrictEqual([env.DB_ENGINE, env.DB_HOST, env.DB_PORT, env.DB_NAME, env.DB_MASTER_USER, env.DB_APP_USER,
      env.DB_CA_FILE], ["postgres", "db.internal", "5432", "app", "app_admin", APP_DB_USER, "/db-ca/ca.pem"]);
    assert.ok(!JSON.stringify(login).toLowerCase().includes('password":"'), "no password value in the definition");
  });

  it("db-login carries its region's part of RDS's CA bundle: the region's roots and their issuers, well under ECS's size limit", () => {
    const pem = rdsRegionCaBundle("ap-northeast-2");
    assert.deepStrictEqual(subjects(pem).sort(), ["Amazon RDS ap-northeast-2 Root CA ECC384 G1",
      "Amazon RDS ap-northeast-2 Root CA RSA2048 G1", "Amazon RDS ap-northeast-2 Root CA RSA4096 G1"]);
    // Before the 2019 CAs expired, the region's 2019 CA and the root that issued it were part of it too.
    assert.deepStrictEqual(subjects(rdsRegionCaBundle("ap-northeast-2", undefined, new Date("2024-01-01"))).length, 5);
    assert.ok(!subjects(rdsRegionCaBundle("us-east-1")).some((n) => /Beta|Preview/.test(n)));
    assert.ok(!subjects(rdsRegionCaBundle("ap-south-1")).some((n) => n.includes("ap-southeast-1")),
      "ap-south-1 is not ap-southeast-1");
    assert.ok(JSON.stringify(defs).length < 64 * 1024,
      `${JSON.stringify(defs).length} bytes: a task definition holds at most 64 KiB`);
    assert.throws(() => rdsRegionCaBundle("xx-moon-1"),
      /region xx-moon-1: RDS's CA bundle .* holds no certificate for it\. Fix: refresh/);
  });

  it("the execution role reads only the stack's parameters, pulls only its repository and writes only its log group", () => {
    const repo = ecrRepositoryArn("123456789012.dkr.ecr.us-east-1.amazonaws.com/compose-on-ec2-dev/web");
    assert.strictEqual(repo, "arn:aws:ecr:us-east-1:123456789012:repository/compose-on-ec2-dev/web");
    const parameters = parametersOf("arn:aws:ssm:us-east-1:123456789012:parameter/app/db/app-url", "app");
    assert.strictEqual(parameters, "arn:aws:ssm:us-east-1:123456789012:parameter/app/*");
    assert.throws(() => parametersOf("arn:aws:s3:::bucket", "app"), /not an SSM parameter ARN/);
    const policy = executionRolePolicy(repo, "arn:aws:logs:us-east-1:123456789012:log-group:/x", parameters) as {
      Statement: { Action: string[]; Resource: unknown }[];
    };
    const ssm = policy.Statement.find((s) => s.Action.includes("ssm:GetParameters"));
    assert.deepStrictEqual(ssm?.Resource, [parameters]);
    assert.ok(policy.Statement.every((s) => s.Resource !== "*" || s.Action.join() === "ecr:GetAuthorizationToken"));
    assert.throws(() => ecrRepositoryArn("docker.io/library/nginx"), /not an ECR repository URL/);
  });

  it("drains a task as long as the app finishes requests, within ELB's range", () => {
    assert.deepStrictEqual([deregistrationDelaySeconds(30), deregistrationDelaySeconds(undefined),
      deregistrationDelaySeconds(0), deregistrationDelaySeconds(9999)], [30, 30, 1, 3600]);
  });

  it("validates a wildcard and its base with one DNS record, and tells users without a zone what to create", () => {
    assert.deepStrictEqual(validationNames(["*.example.com", "example.com", "www.example.org"]), ["example.com",
      "www.example.org"]);
    assert.deepStrictEqual(manualDnsRecords(["app.example.com"], "lb-1.us-east-1.elb.amazonaws.com"), [
      "app.example.com CNAME lb-1.us-east-1.elb.amazonaws.com",
    ]);
  });

  it("puts the load balancer in one subnet of each of two AZs, the same every run", () => {
    const subnets = [{ id: "subnet-c", availabilityZone: "us-east-1b" }, { id: "subnet-b",
      availabilityZone: "us-east-1a" }, { id: "subnet-a", availabilityZone: "us-east-1a" }, { id: "subnet-d",
      availabilityZone: "us-east-1c" }];
    assert.deepStrictEqual(onePerAz(subnets), ["subnet-a", "subnet-c"]);
  });

  it("names the media bucket after the app, within S3's rules, and grants only list/get/put/delete on it", () => {
    const prefix = bucketPrefix("compose-on-ec2-a-very-long-sandbox-stack-name");
    assert.ok(prefix.length <= 37 && bucketNameProblem(`${prefix}${"0".repeat(26)}`) === undefined, prefix);
    const policy = mediaAccessPolicy("arn:aws:s3:::b") as { Statement: { Action: string[]; Resource: string[] }[] };
    assert.deepStrictEqual(policy.Statement.flatMap((s) => s.Resource), ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]);
  });

  it("a task too small for its compose file's limits is refused", () => {
    const text = fs.readFileSync(path.join(PROJECT_ROOT, "tests/fixtures/compose/web-redis-nginx-worker.yml"), "utf8");
    const { problems } = planEcsTask({ file: "x.yml", text, webService: "web", appEnv: { RELEASE_ID: "r1" },
      minTasks: 1, maxTasks: 2, taskCpu: 256, taskMemory: 512 });
    assert.ok(problems.some((p) => p.includes("is smaller than the 1024 CPU units and 2048 MiB")), problems.join("\n"));
  });
});
