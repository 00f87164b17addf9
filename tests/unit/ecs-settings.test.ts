// hosting: ecs: the settings config takes for ecs, and the task the compose file gives (Fargate sizes,
// secrets, host names), refused with their fix before any resource exists.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ConfigError, hostNameProblem, parseConfig, StackConfig } from "../../components/config";
import { PROJECT_ROOT } from "../../lib/engine";
import { problemsOfParse } from "./configProblems";
import { DEV_CONTEXT, ZONE } from "../support/ecs";

const parse = (raw: Record<string, unknown>, stack = "dev"): StackConfig => parseConfig(raw, { ...DEV_CONTEXT, stack });
const refused = (raw: Record<string, unknown>, stack = "dev") =>
  problemsOfParse(() => parse(raw, stack), JSON.stringify(raw));

describe("ecs settings", () => {
  it("derive the web task from our compose file: web alone behind the load balancer, the smallest Fargate size, the stack's secrets", () => {
    const ecs = parse({ hosting: "ecs", cache: "redis" }).hosting;
    assert.strictEqual(ecs.mediaStorage, "s3");
    const plan = ecs.ecs!;
    assert.deepStrictEqual([plan.services, plan.cpu, plan.memory, plan.containerPort, plan.minTasks, plan.maxTasks], [[
      "web",
    ], 256, 512, 8000, 1, 2]);
    assert.deepStrictEqual(plan.containers[0].healthCheck?.command, ["CMD", "python3", "bin/healthcheck.py"]);
    assert.deepStrictEqual(plan.containers[0].mountPoints, [{ sourceVolume: "db-ca", containerPath: "/db-ca",
      readOnly: true }],
      "web's volumes shared with nginx only are dropped; the CA bundle's, filled by db-login, stays");
    assert.deepStrictEqual(plan.secretEnv.web.map((s) => `${s.name}<-${s.secret}`), ["DATABASE_URL<-db/app-url",
      "SECRET_KEY<-SECRET_KEY", "DJANGO_SECRET_KEY<-SECRET_KEY"]);
    assert.ok(plan.notes.includes("nginx is left out: the load balancer takes its place in front of web"),
      plan.notes.join("\n"));
    assert.deepStrictEqual([parse({ hosting: "ecs", cache: "redis" }, "prod").hosting.ecs?.minTasks,
      parse({ hosting: "ecs", cache: "redis" }, "prod").hosting.ecs?.maxTasks], [2, 4]);
  });

  it("keep ec2 the default, with media on the host's volume", () => {
    const h = parse({}).hosting;
    assert.deepStrictEqual([h.kind, h.mediaStorage, h.ecs], ["ec2", "volume", undefined]);
    assert.strictEqual(parse({ mediaStorage: "s3" }).hosting.mediaStorage, "s3");
  });

  it("take a larger task size when it holds the compose file's limits", () => {
    const plan = parse({ hosting: "ecs", cache: "redis", taskCpu: "1024", taskMemory: "3072" }).hosting.ecs!;
    assert.deepStrictEqual([plan.cpu, plan.memory], [1024, 3072]);
    assert.deepStrictEqual(parse({ hosting: "ecs", cache: "redis", taskCpu: "512" }).hosting.ecs!.memory, 1024);
  });

  it("refuse what ecs cannot take, naming setting, value and fix", () => {
    assert.deepStrictEqual(
      refused({ hosting: "ecs", cache: "redis", mediaStorage: "volume", taskCpu: "300", taskMemory: "777",
        minTasks: "3", maxTasks: "2" }),
      [
        'compose-on-ec2:mediaStorage = "volume": cannot be volume on ecs: a Fargate task\'s disk is gone when the task stops. Fix: remove mediaStorage (ecs keeps media in S3), or set it to s3',
        "compose-on-ec2:maxTasks = 2: is below minTasks (3). Fix: set maxTasks to 3 or more",
        "compose-on-ec2:taskCpu = 300: is not a Fargate CPU size (one of 256, 512, 1024, 2048, 4096, 8192, 16384). Fix: use one of those, or unset it to size the task from the compose file",
        "compose-on-ec2:taskMemory = 777: is not a memory size Fargate offers with 256 CPU units. Fix: use one of 512, 1024, 2048 (e.g. 1024)",
      ],
    );
    assert.deepStrictEqual(refused({ minTasks: "2" }), [
      "compose-on-ec2:minTasks = 2: applies to hosting ecs only. Fix: remove minTasks, or set hosting: ecs",
    ]);
    assert.deepStrictEqual(refused({ hosting: "ecs", cache: "redis", deployMode: "host" }), [
      'compose-on-ec2:deployMode = "host": cannot be host on ecs: Fargate pulls images from a registry. Fix: remove deployMode (ecs always pushes the web image to ECR)',
    ]);
  });

  it("refuse a compose file ECS cannot run before any resource exists", () => {
    const fixture = "tests/fixtures/compose/network-host.yml";
    const files = { fileExists: (p: string) => fs.existsSync(path.join(PROJECT_ROOT, p)),
      readFile: (p: string) => fs.readFileSync(path.join(PROJECT_ROOT, p), "utf8") };
    const problems = problemsOfParse(
      () =>
        parseConfig({ hosting: "ecs", cache: "redis", appDir: "tests/fixtures/compose",
          composeFile: "network-host.yml" }, { ...DEV_CONTEXT, ...files }),
      fixture,
    );
    assert.ok(problems.some((p) => p.includes("network_mode") && p.includes("Fix:")), problems.join("\n"));
  });

  it("refuse host names with a scheme, path or port, wildcards without DNS validation, and bad zone ids", () => {
    assert.deepStrictEqual(
      refused({ acmeEmail: "ops@shop.test",
        domain:
          '["https://app.example.com","app.example.com:8443","example.com/shop","*.example.com","Shop.Example.com","localhost"]',
        hostedZoneId: "/hostedzone/Z123" }),
      [
        'compose-on-ec2:hostedZoneId = "/hostedzone/Z123": has the /hostedzone/ prefix of the API\'s path. Fix: use Z123',
        'compose-on-ec2:domain = "https://app.example.com": has a scheme (https://): give the host name only. Fix: use app.example.com',
        'compose-on-ec2:domain = "app.example.com:8443": has a port: the site is served on 80/443. Fix: use app.example.com',
        'compose-on-ec2:domain = "example.com/shop": has a path: give the host name only. Fix: use example.com',
        'compose-on-ec2:domain = "*.example.com": is a wildcard, which HTTP-01 validation cannot certify. Fix: list each name instead (e.g. www.example.com): the host\'s certificate is validated over HTTP-01, which cannot certify a wildcard',
        'compose-on-ec2:domain = "Shop.Example.com": has uppercase letters (names are stored lowercase). Fix: use shop.example.com',
        'compose-on-ec2:domain = "localhost": is not a fully qualified name (it has no dot). Fix: use the full name, e.g. app.example.com',
      ],
    );
    assert.deepStrictEqual(
      parse({ hosting: "ecs", cache: "redis", domain: '["*.example.com","example.com"]', hostedZoneId: ZONE }).hosting
        .domain,
      ["*.example.com", "example.com"],
    );
    assert.strictEqual(hostNameProblem("a.*.example.com", { wildcard: true })?.why,
      "has a * that is not the whole first label");
    assert.throws(() => parse({ hostedZoneId: ZONE }), ConfigError);
  });
});
