// hosting: ecs under the offline engine (ECS itself never ran here): the settings and the task the
// compose file gives, the pure pieces, the whole program for dev and prod, the AWS mock's refusals,
// the plan's figures and the policy rules an ecs stack adds.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ConfigError, defaultFor, hostNameProblem, monitoringDefaults, parseConfig, planEcsTask, StackConfig } from "../../components/config";
import { ecrRepositoryArn, executionRolePolicy } from "../../components/ecsIam";
import { containerDefinitions } from "../../components/ecsContainers";
import { ECS_STACK_SECRETS } from "../../components/config/appEnv";
import { deregistrationDelaySeconds, manualDnsRecords, validationNames } from "../../components/loadBalancer";
import { bucketPrefix, mediaAccessPolicy } from "../../components/media";
import { onePerAz } from "../../components/network";
import { AwsMock, MockResource } from "../../lib/engine";
import { computeAws } from "../../lib/engine/awsResources";
import { bucketNameProblem } from "../../lib/engine/awsS3";
import { checkAll, PolicyResource, RULES } from "../../policy/rules";
import { secretInEnvironment } from "../../policy/ecsRules";
import { problemsOfParse } from "./configProblems";
import { assertMediaBucketSafety, cachedRun, planFor } from "../support/fixtures";

const ROOT = path.resolve(__dirname, "..", "..");
const ctx = { project: "compose-on-ec2", stack: "dev", region: "us-east-1" };
const parse = (raw: Record<string, unknown>, stack = "dev"): StackConfig => parseConfig(raw, { ...ctx, stack });
const refused = (raw: Record<string, unknown>, stack = "dev") => problemsOfParse(() => parse(raw, stack), JSON.stringify(raw));
const ZONE = "Z0123456789ABCDEFGHIJ";
const PROD_ECS = { hosting: "ecs", cache: "redis", domain: '["app.example.com","www.example.com"]', hostedZoneId: ZONE };

describe("ecs settings", () => {
  it("derive the web task from our compose file: web alone behind the load balancer, the smallest Fargate size, the stack's secrets", () => {
    const ecs = parse({ hosting: "ecs", cache: "redis" }).hosting;
    assert.strictEqual(ecs.mediaStorage, "s3");
    const plan = ecs.ecs!;
    assert.deepStrictEqual([plan.services, plan.cpu, plan.memory, plan.containerPort, plan.minTasks, plan.maxTasks], [["web"], 256, 512, 8000, 1, 2]);
    assert.deepStrictEqual(plan.containers[0].healthCheck?.command, ["CMD", "python3", "bin/healthcheck.py"]);
    assert.deepStrictEqual(plan.containers[0].mountPoints, [], "web's volumes were shared with nginx only");
    assert.deepStrictEqual(plan.secretEnv.web.map((s) => `${s.name}<-${s.secret}`), ["DATABASE_URL<-DATABASE_URL", "SECRET_KEY<-SECRET_KEY", "DJANGO_SECRET_KEY<-SECRET_KEY"]);
    assert.ok(plan.notes.includes("nginx is left out: the load balancer takes its place in front of web"), plan.notes.join("\n"));
    assert.deepStrictEqual([parse({ hosting: "ecs", cache: "redis" }, "prod").hosting.ecs?.minTasks, parse({ hosting: "ecs", cache: "redis" }, "prod").hosting.ecs?.maxTasks], [2, 4]);
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
    assert.deepStrictEqual(refused({ hosting: "ecs", cache: "redis", mediaStorage: "volume", taskCpu: "300", taskMemory: "777", minTasks: "3", maxTasks: "2" }), [
      "compose-on-ec2:mediaStorage = \"volume\": cannot be volume on ecs: a Fargate task's disk is gone when the task stops. Fix: remove mediaStorage (ecs keeps media in S3), or set it to s3",
      "compose-on-ec2:maxTasks = 2: is below minTasks (3). Fix: set maxTasks to 3 or more",
      "compose-on-ec2:taskCpu = 300: is not a Fargate CPU size (one of 256, 512, 1024, 2048, 4096, 8192, 16384). Fix: use one of those, or unset it to size the task from the compose file",
      "compose-on-ec2:taskMemory = 777: is not a memory size Fargate offers with 256 CPU units. Fix: use one of 512, 1024, 2048 (e.g. 1024)",
    ]);
    assert.deepStrictEqual(refused({ minTasks: "2" }), ["compose-on-ec2:minTasks = 2: applies to hosting ecs only. Fix: remove minTasks, or set hosting: ecs"]);
    assert.deepStrictEqual(refused({ hosting: "ecs", cache: "redis", deployMode: "host" }), ["compose-on-ec2:deployMode = \"host\": cannot be host on ecs: Fargate pulls images from a registry. Fix: remove deployMode (ecs always pushes the web image to ECR)"]);
  });

  it("refuse a compose file ECS cannot run before any resource exists", () => {
    const fixture = "tests/fixtures/compose/network-host.yml";
    const files = { fileExists: (p: string) => fs.existsSync(path.join(ROOT, p)), readFile: (p: string) => fs.readFileSync(path.join(ROOT, p), "utf8") };
    const problems = problemsOfParse(() => parseConfig({ hosting: "ecs", cache: "redis", appDir: "tests/fixtures/compose", composeFile: "network-host.yml" }, { ...ctx, ...files }), fixture);
    assert.ok(problems.some((p) => p.includes("network_mode") && p.includes("Fix:")), problems.join("\n"));
  });

  it("refuse host names with a scheme, path or port, wildcards without DNS validation, and bad zone ids", () => {
    assert.deepStrictEqual(refused({ acmeEmail: "ops@shop.test", domain: '["https://app.example.com","app.example.com:8443","example.com/shop","*.example.com","Shop.Example.com","localhost"]', hostedZoneId: "/hostedzone/Z123" }), [
      "compose-on-ec2:hostedZoneId = \"/hostedzone/Z123\": has the /hostedzone/ prefix of the API's path. Fix: use Z123",
      "compose-on-ec2:domain = \"https://app.example.com\": has a scheme (https://): give the host name only. Fix: use app.example.com",
      "compose-on-ec2:domain = \"app.example.com:8443\": has a port: the site is served on 80/443. Fix: use app.example.com",
      "compose-on-ec2:domain = \"example.com/shop\": has a path: give the host name only. Fix: use example.com",
      "compose-on-ec2:domain = \"*.example.com\": is a wildcard, which HTTP-01 validation cannot certify. Fix: list each name instead (e.g. www.example.com): the host's certificate is validated over HTTP-01, which cannot certify a wildcard",
      "compose-on-ec2:domain = \"Shop.Example.com\": has uppercase letters (names are stored lowercase). Fix: use shop.example.com",
      "compose-on-ec2:domain = \"localhost\": is not a fully qualified name (it has no dot). Fix: use the full name, e.g. app.example.com",
    ]);
    assert.deepStrictEqual(parse({ hosting: "ecs", cache: "redis", domain: '["*.example.com","example.com"]', hostedZoneId: ZONE }).hosting.domain, ["*.example.com", "example.com"]);
    assert.strictEqual(hostNameProblem("a.*.example.com", { wildcard: true })?.why, "has a * that is not the whole first label");
    assert.throws(() => parse({ hostedZoneId: ZONE }), ConfigError);
  });
});

describe("ecs pieces (pure)", () => {
  const plan = parseConfig({ hosting: "ecs", cache: "redis", appEnv: '{"DJANGO_LOG_LEVEL":"INFO"}' }, ctx).hosting.ecs!;
  const arns = { DATABASE_URL: "arn:aws:ssm:us-east-1:123456789012:parameter/app/DATABASE_URL", SECRET_KEY: "arn:aws:ssm:us-east-1:123456789012:parameter/app/SECRET_KEY" };
  const defs = containerDefinitions(plan, {
    webService: "web", webImage: "123456789012.dkr.ecr.us-east-1.amazonaws.com/app/web@sha256:" + "a".repeat(64), region: "us-east-1", logGroupName: "/compose-on-ec2/dev/containers", streamPrefix: "app",
    env: { DJANGO_LOG_LEVEL: "INFO", RELEASE_ID: "r1", ALLOWED_HOSTS: "x.elb.amazonaws.com" }, secretArns: arns,
  }) as { environment: { name: string }[]; secrets: { name: string; valueFrom: string }[]; image: string; logConfiguration: { logDriver: string } }[];

  it("container definitions carry the secrets only by reference in `secrets`, the rest in `environment`", () => {
    assert.deepStrictEqual(defs[0].secrets, [
      { name: "DATABASE_URL", valueFrom: arns.DATABASE_URL }, { name: "SECRET_KEY", valueFrom: arns.SECRET_KEY }, { name: "DJANGO_SECRET_KEY", valueFrom: arns.SECRET_KEY },
    ]);
    assert.deepStrictEqual(defs[0].environment.map((e) => e.name), ["ALLOWED_HOSTS", "DJANGO_LOG_LEVEL", "RELEASE_ID"]);
    assert.match(defs[0].image, /@sha256:a{64}$/);
    assert.strictEqual(defs[0].logConfiguration.logDriver, "awslogs");
  });

  it("the execution role reads only the stack's parameters, pulls only its repository and writes only its log group", () => {
    const repo = ecrRepositoryArn("123456789012.dkr.ecr.us-east-1.amazonaws.com/compose-on-ec2-dev/web");
    assert.strictEqual(repo, "arn:aws:ecr:us-east-1:123456789012:repository/compose-on-ec2-dev/web");
    const policy = executionRolePolicy(repo, "arn:aws:logs:us-east-1:123456789012:log-group:/x", Object.values(arns)) as { Statement: { Action: string[]; Resource: unknown }[] };
    const ssm = policy.Statement.find((s) => s.Action.includes("ssm:GetParameters"));
    assert.deepStrictEqual(ssm?.Resource, Object.values(arns));
    assert.ok(policy.Statement.every((s) => s.Resource !== "*" || s.Action.join() === "ecr:GetAuthorizationToken"));
    assert.throws(() => ecrRepositoryArn("docker.io/library/nginx"), /not an ECR repository URL/);
  });

  it("drains a task as long as the app finishes requests, within ELB's range", () => {
    assert.deepStrictEqual([deregistrationDelaySeconds(30), deregistrationDelaySeconds(undefined), deregistrationDelaySeconds(0), deregistrationDelaySeconds(9999)], [30, 30, 1, 3600]);
  });

  it("validates a wildcard and its base with one DNS record, and tells users without a zone what to create", () => {
    assert.deepStrictEqual(validationNames(["*.example.com", "example.com", "www.example.org"]), ["example.com", "www.example.org"]);
    assert.deepStrictEqual(manualDnsRecords(["app.example.com"], "lb-1.us-east-1.elb.amazonaws.com"), ["app.example.com CNAME lb-1.us-east-1.elb.amazonaws.com"]);
  });

  it("puts the load balancer in one subnet of each of two AZs, the same every run", () => {
    const subnets = [{ id: "subnet-c", availabilityZone: "us-east-1b" }, { id: "subnet-b", availabilityZone: "us-east-1a" }, { id: "subnet-a", availabilityZone: "us-east-1a" }, { id: "subnet-d", availabilityZone: "us-east-1c" }];
    assert.deepStrictEqual(onePerAz(subnets), ["subnet-a", "subnet-c"]);
  });

  it("names the media bucket after the app, within S3's rules, and grants only list/get/put/delete on it", () => {
    const prefix = bucketPrefix("compose-on-ec2-a-very-long-sandbox-stack-name");
    assert.ok(prefix.length <= 37 && bucketNameProblem(`${prefix}${"0".repeat(26)}`) === undefined, prefix);
    const policy = mediaAccessPolicy("arn:aws:s3:::b") as { Statement: { Action: string[]; Resource: string[] }[] };
    assert.deepStrictEqual(policy.Statement.flatMap((s) => s.Resource), ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]);
  });

  it("a task too small for its compose file's limits is refused", () => {
    const text = fs.readFileSync(path.join(ROOT, "tests/fixtures/compose/web-redis-nginx-worker.yml"), "utf8");
    const { problems } = planEcsTask({ file: "x.yml", text, webService: "web", appEnv: { RELEASE_ID: "r1" }, minTasks: 1, maxTasks: 2, taskCpu: 256, taskMemory: 512 });
    assert.ok(problems.some((p) => p.includes("is smaller than the 1024 CPU units and 2048 MiB")), problems.join("\n"));
  });
});

/** ecs for dev (plain HTTP) and prod (a domain in a hosted zone: HTTPS), once per test process. */
const ecsRun = (stack: "dev" | "prod") => cachedRun(`ecs-${stack}`, () => ({ stack, config: stack === "prod" ? PROD_ECS : { hosting: "ecs", cache: "redis" } }));
const of = (resources: MockResource[], type: string) => resources.filter((r) => r.type === type);

describe("ecs program under the AWS mock (ECS itself never ran here)", function () {
  this.timeout(60000);
  for (const stack of ["dev", "prod"] as const) {
    describe(`${stack}`, () => {
      it("creates no host and no SSH: a cluster, a Fargate service and a load balancer instead", async () => {
        const { mock, outputs } = await ecsRun(stack);
        assert.deepStrictEqual([of(mock.resources, "aws:ec2/instance:Instance").length, of(mock.resources, "command:remote:Command").length], [0, 0]);
        assert.strictEqual(mock.one("aws:ecs/service:Service", "app-service").inputs.launchType, "FARGATE");
        assert.strictEqual(outputs.hosting, "ecs");
        assert.strictEqual(outputs.url, stack === "prod" ? "https://app.example.com" : `http://${outputs.loadBalancerDnsName}`);
        assert.strictEqual(outputs.sshCommand, undefined);
      });

      it("admits traffic to the tasks only from the load balancer's security group, and the DB only from the tasks'", async () => {
        const { mock } = await ecsRun(stack);
        const service = mock.one("aws:ecs/service:Service", "app-service");
        const lb = mock.one("aws:lb/loadBalancer:LoadBalancer");
        const [tasksSg] = service.inputs.networkConfiguration.securityGroups;
        const ingress = of(mock.resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
        const toTasks = ingress.filter((r) => r.inputs.securityGroupId === tasksSg);
        assert.strictEqual(toTasks.length, 1);
        assert.deepStrictEqual(toTasks.map((r) => [r.inputs.referencedSecurityGroupId, r.inputs.cidrIpv4, r.inputs.fromPort]), [[lb.inputs.securityGroups[0], undefined, 8000]]);
        const db = mock.one("aws:rds/instance:Instance");
        const toDb = ingress.filter((r) => db.inputs.vpcSecurityGroupIds.includes(r.inputs.securityGroupId));
        assert.deepStrictEqual(toDb.map((r) => r.inputs.referencedSecurityGroupId), [tasksSg]);
        assert.ok(!ingress.some((r) => r.inputs.fromPort === 22), "no SSH anywhere: ECS Exec goes through SSM");
      });

      it("rolls out with the circuit breaker and rollback, 100 % minimum healthy, ECS Exec on, and waits for steady state", async () => {
        const s = (await ecsRun(stack)).mock.one("aws:ecs/service:Service", "app-service").inputs;
        assert.deepStrictEqual([s.deploymentCircuitBreaker, s.deploymentMinimumHealthyPercent, s.deploymentMaximumPercent, s.enableExecuteCommand, s.waitForSteadyState],
          [{ enable: true, rollback: true }, 100, 200, true, true]);
        assert.deepStrictEqual(s.loadBalancers.map((l: { containerName: string; containerPort: number }) => [l.containerName, l.containerPort]), [["web", 8000]]);
      });

      it("hands the app its secrets only through `secrets`, from SecureString parameters the execution role alone may read", async () => {
        const { mock, outputs } = await ecsRun(stack);
        const task = mock.one("aws:ecs/taskDefinition:TaskDefinition", "app-task");
        const text = task.inputs.containerDefinitions as string;
        for (const secret of [String(outputs.dbPassword), String(outputs.dbUrl)]) assert.ok(!text.includes(secret), "no secret value in the task definition");
        const [web] = JSON.parse(text) as { environment: { name: string }[]; secrets: { name: string; valueFrom: string }[] }[];
        assert.ok(!web.environment.some((e) => /DATABASE_URL|SECRET_KEY/.test(e.name)));
        const params = of(mock.resources, "aws:ssm/parameter:Parameter");
        assert.ok(params.every((p) => p.inputs.type === "SecureString" && p.secretInputs.includes("value")));
        assert.deepStrictEqual(new Set(web.secrets.map((s) => s.valueFrom)), new Set(params.map((p) => p.state.arn)));
        const execution = of(mock.resources, "aws:iam/rolePolicy:RolePolicy").find((p) => p.name === "app-execution-policy")!;
        const ssm = JSON.parse(execution.inputs.policy).Statement.find((st: { Action: string[] }) => st.Action.includes("ssm:GetParameters"));
        assert.deepStrictEqual(new Set(ssm.Resource), new Set(params.map((p) => p.state.arn)));
        const taskPolicies = of(mock.resources, "aws:iam/rolePolicy:RolePolicy").filter((p) => p.name.startsWith("app-task-")).map((p) => p.inputs.policy as string);
        assert.ok(taskPolicies.some((p) => p.includes("ssmmessages:CreateControlChannel")) && !taskPolicies.some((p) => p.includes("ssm:GetParameters")));
      });

      it("scales on CPU between minTasks and maxTasks and logs to the stage's retention", async () => {
        const { mock } = await ecsRun(stack);
        const target = mock.one("aws:appautoscaling/target:Target", "app-scaling").inputs;
        assert.deepStrictEqual([target.minCapacity, target.maxCapacity], [defaultFor("minTasks", stack), defaultFor("maxTasks", stack)]);
        assert.strictEqual(mock.one("aws:appautoscaling/policy:Policy", "app-cpu-target").inputs.targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType, "ECSServiceAverageCPUUtilization");
        assert.strictEqual(mock.one("aws:cloudwatch/logGroup:LogGroup").inputs.retentionInDays, monitoringDefaults(stack).logRetentionDays);
        assert.deepStrictEqual(mock.one("aws:ecs/cluster:Cluster").inputs.settings, [{ name: "containerInsights", value: "disabled" }]);
      });

      it("gives the web task the app's environment the stack lists: clear entries in `environment`, secret ones in `secrets`, SITE_DOMAINS and HTTPS only with HTTPS", async () => {
        const { mock, outputs } = await ecsRun(stack);
        const [web] = JSON.parse(mock.one("aws:ecs/taskDefinition:TaskDefinition", "app-task").inputs.containerDefinitions) as { environment: { name: string; value: string }[]; secrets: { name: string }[] }[];
        const listed = outputs.appEnvironment as Record<string, string>;
        const secretNames = Object.keys(listed).filter((n) => ECS_STACK_SECRETS[n] !== undefined || listed[n] === "appSecrets");
        assert.deepStrictEqual(secretNames.filter((n) => !web.secrets.some((s) => s.name === n)), [], "every secret the stack lists reaches the task through `secrets`");
        assert.deepStrictEqual(Object.keys(listed).filter((n) => !secretNames.includes(n) && !web.environment.some((e) => e.name === n)), [], "every clear entry the stack lists is in `environment`");
        const site = Object.fromEntries(web.environment.filter((e) => ["SITE_DOMAINS", "HTTPS"].includes(e.name)).map((e) => [e.name, e.value]));
        assert.deepStrictEqual(site, stack === "prod" ? { HTTPS: "on", SITE_DOMAINS: "app.example.com,www.example.com" } : {});
      });

      it("keeps media in a private, encrypted bucket: versioned, protected and retained in prod only", async () => {
        const { mock } = await ecsRun(stack);
        const bucket = assertMediaBucketSafety(mock, stack);
        const env = JSON.parse(mock.one("aws:ecs/taskDefinition:TaskDefinition", "app-task").inputs.containerDefinitions)[0].environment as { name: string; value: string }[];
        assert.strictEqual(env.find((e) => e.name === "MEDIA_BUCKET")?.value, bucket.state.bucket);
      });
    });
  }

  it("prod serves HTTPS with an ACM certificate validated in the hosted zone, redirects HTTP, and points the names at the ALB", async () => {
    const { mock } = await ecsRun("prod");
    const listeners = of(mock.resources, "aws:lb/listener:Listener").map((l) => l.inputs);
    const https = listeners.find((l) => l.protocol === "HTTPS")!;
    assert.strictEqual(https.certificateArn, mock.one("aws:acm/certificate:Certificate").state.arn);
    assert.deepStrictEqual(listeners.find((l) => l.protocol === "HTTP")?.defaultActions[0].redirect, { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" });
    const records = of(mock.resources, "aws:route53/record:Record").map((r) => r.inputs);
    assert.deepStrictEqual(records.filter((r) => r.type === "A").map((r) => r.name), ["app.example.com", "www.example.com"]);
    assert.ok(records.every((r) => r.zoneId === ZONE));
  });

  it("dev without a domain serves plain HTTP straight to the tasks, health-checked on the app's health path", async () => {
    const { mock } = await ecsRun("dev");
    assert.deepStrictEqual(of(mock.resources, "aws:lb/listener:Listener").map((l) => [l.inputs.port, l.inputs.protocol, l.inputs.defaultActions[0].type]), [[80, "HTTP", "forward"]]);
    const tg = mock.one("aws:lb/targetGroup:TargetGroup").inputs;
    assert.deepStrictEqual([tg.targetType, tg.healthCheck.path, tg.deregistrationDelay], ["ip", "/healthz", 30]);
  });
});

describe("AWS mock: what ECS, ELB, ACM, Route 53, Auto Scaling and S3 refuse", () => {
  const mock = new AwsMock();
  const fail = (m: string) => new Error(m);
  const refusal = (type: string, inputs: Record<string, unknown>): string => {
    try {
      computeAws(mock, type, "x", inputs, fail);
    } catch (e) {
      return (e as Error).message;
    }
    return "accepted";
  };
  it("refuses a Fargate size ECS does not offer, and awsvpc-less Fargate tasks", () => {
    const base = { family: "f", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "4096", containerDefinitions: JSON.stringify([{ name: "web", image: "i" }]) };
    assert.match(refusal("aws:ecs/taskDefinition:TaskDefinition", base), /No Fargate configuration exists for given values: 256 CPU, 4096 memory/);
    assert.match(refusal("aws:ecs/taskDefinition:TaskDefinition", { ...base, memory: "512", networkMode: "bridge" }), /Fargate requires network mode awsvpc/);
    assert.match(refusal("aws:ecs/taskDefinition:TaskDefinition", { ...base, memory: "512", containerDefinitions: JSON.stringify([{ name: "web", image: "i", secrets: [{ name: "A", valueFrom: "arn" }] }]) }), /secrets need executionRoleArn/);
  });
  it("refuses ELB names over 32 characters, an ALB in one AZ, a health check timeout not below its interval", () => {
    assert.match(refusal("aws:lb/targetGroup:TargetGroup", { name: "a".repeat(33), port: 80, vpcId: "vpc-1" }), /ValidationError: name/);
    const s1 = mock.anySubnet().id;
    assert.match(refusal("aws:lb/loadBalancer:LoadBalancer", { name: "lb", subnets: [s1] }), /two different Availability Zones/);
    assert.match(refusal("aws:lb/targetGroup:TargetGroup", { name: "tg", port: 80, vpcId: "vpc-1", healthCheck: { interval: 5, timeout: 5 } }), /timeout must be smaller than the interval/);
  });
  it("refuses a wildcard not in the first label, an alias with a TTL, a scaling target of no service, a bad bucket name", () => {
    assert.match(refusal("aws:acm/certificate:Certificate", { domainName: "a.*.example.com", validationMethod: "DNS" }), /ValidationException: domain name/);
    assert.match(refusal("aws:route53/record:Record", { zoneId: ZONE, name: "a.example.com", type: "A", ttl: 60, aliases: [{ name: "x", zoneId: "Z1", evaluateTargetHealth: true }] }), /alias record has no records or TTL/);
    assert.match(refusal("aws:appautoscaling/target:Target", { serviceNamespace: "ecs", scalableDimension: "ecs:service:DesiredCount", resourceId: "service/c/s", minCapacity: 1, maxCapacity: 2 }), /ObjectNotFoundException/);
    for (const name of ["ab", "xn--bucket", "my..bucket", "192.168.5.4", "bucket-s3alias", "Bucket"]) assert.ok(bucketNameProblem(name), name);
  });
});

describe("plan and policy of ecs stacks", function () {
  this.timeout(60000);
  it("prices every resource of ecs dev and prod in us-east-1 (Fargate, ALB, public IPv4, S3), prod above dev, and passes every rule", async () => {
    // One program run at a time: the engine's mocks and config are process-wide.
    const dev = await planFor("dev", undefined, { hosting: "ecs", cache: "redis" });
    const prod = await planFor("prod", undefined, PROD_ECS);
    for (const plan of [dev, prod]) {
      assert.ok(plan.cost.complete, plan.cost.unknownResources.join(", "));
      assert.deepStrictEqual(plan.violations, []);
      const service = plan.cost.lines.find((l) => l.type === "aws:ecs/service:Service" && l.name === "app-service")!;
      assert.match(service.items[0].what, /^Fargate x86 \d task\(s\) x 0\.25 vCPU \/ 0\.5 GB$/);
      assert.ok(plan.cost.lines.some((l) => l.type === "aws:lb/loadBalancer:LoadBalancer" && l.monthly > 0));
      assert.ok(plan.criticalPath.steps.some((s) => s.type === "aws:ecs/service:Service"));
    }
    // web's service (the example app's worker is a second service, with its own replicas).
    const fargate = (p: typeof dev) => p.cost.lines.find((l) => l.type === "aws:ecs/service:Service" && l.name === "app-service")!.monthly;
    assert.ok(Math.abs(fargate(prod) - 2 * fargate(dev)) < 0.02, "prod runs twice dev's web tasks");
    assert.ok(prod.cost.totalMonthly > dev.cost.totalMonthly);
    assert.ok(prod.criticalPath.steps.some((s) => s.type === "aws:rds/instance:Instance"));
  });

  const stack = (): PolicyResource[] => [
    { type: "aws:ec2/securityGroup:SecurityGroup", name: "lb-sg", urn: "urn:lb-sg", id: "sg-lb", protect: false, props: {} },
    { type: "aws:ec2/securityGroup:SecurityGroup", name: "tasks-sg", urn: "urn:tasks-sg", id: "sg-tasks", protect: false, props: {} },
    { type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name: "tasks-from-lb", protect: false, props: { securityGroupId: "sg-tasks", referencedSecurityGroupId: "sg-lb", ipProtocol: "tcp", fromPort: 8000, toPort: 8000 } },
    { type: "aws:lb/loadBalancer:LoadBalancer", name: "alb", protect: false, props: { securityGroups: ["sg-lb"] } },
    { type: "aws:ecs/service:Service", name: "svc", protect: false, props: { networkConfiguration: { securityGroups: ["sg-tasks"] } } },
    { type: "aws:ecs/taskDefinition:TaskDefinition", name: "task", protect: false, props: { containerDefinitions: JSON.stringify([{ name: "web", environment: [{ name: "DJANGO_LOG_LEVEL", value: "INFO" }], secrets: [{ name: "DATABASE_URL", valueFrom: "arn:x" }] }]) } },
  ];
  const failures = (resources: PolicyResource[]) => checkAll(resources, RULES.filter((r) => ["tasks-only-through-load-balancer", "no-secret-in-container-env", "media-bucket-private"].includes(r.name))).map((v) => `${v.policy}: ${v.message}`);

  it("passes tasks reachable only through the load balancer and secrets only in `secrets`", () => {
    assert.deepStrictEqual(failures(stack()), []);
  });
  it("fails a task group open to a CIDR, and a secret in a container's environment", () => {
    const open = [...stack(), { type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name: "tasks-open", protect: false, props: { securityGroupId: "sg-tasks", cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 8000, toPort: 8000 } }];
    assert.deepStrictEqual(failures(open), ["tasks-only-through-load-balancer: tasks-sg admits CIDRs 0.0.0.0/0; the tasks must be reachable only through the load balancer"]);
    const leaky = stack().map((r) => (r.name === "task" ? { ...r, props: { containerDefinitions: JSON.stringify([{ name: "web", environment: [{ name: "DB", value: "postgres://u:pw@h/db" }, { name: "SECRET_KEY", value: "x" }] }]) } } : r));
    assert.deepStrictEqual(failures(leaky), [
      "no-secret-in-container-env: container web: environment DB holds a URL with a password; pass it through `secrets`",
      "no-secret-in-container-env: container web: environment SECRET_KEY is named like a secret; pass it through `secrets`",
    ]);
    assert.strictEqual(secretInEnvironment("ALLOWED_HOSTS", "a.example.com", []), undefined);
  });
  it("fails a prod bucket without versioning, protection or a public access block", () => {
    const bucket: PolicyResource = { type: "aws:s3/bucket:Bucket", name: "media", urn: "urn:media", id: "media-1", protect: false, props: { tags: { stage: "prod" }, forceDestroy: true } };
    assert.deepStrictEqual(failures([bucket]), [
      "media-bucket-private: public access is not fully blocked (blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets must all be true)",
      "media-bucket-private: no server-side encryption configuration",
      "media-bucket-private: versioning is not enabled in prod",
      "media-bucket-private: the resource option protect is not set in prod",
      "media-bucket-private: forceDestroy is true in prod (a destroy would delete the media)",
    ]);
  });
});
