// hosting: ecs: the whole program for dev and prod under the AWS mock (ECS itself never ran here): no host,
// the tasks behind the load balancer, secrets by reference, scaling, media and HTTPS.
import * as assert from "assert";
import { defaultFor, monitoringDefaults } from "../../components/config";
import { ECS_STACK_SECRETS } from "../../components/config/appEnv";
import { DB_LOGIN_CONTAINER } from "../../components/ecsDbLogin";
import { MockResource } from "../../lib/engine";
import { assertMediaBucketSafety, cachedRun } from "../support/fixtures";
import { PROD_ECS, ZONE } from "../support/ecs";

/** ecs for dev (plain HTTP) and prod (a domain in a hosted zone: HTTPS), once per test process. */
const ecsRun = (stack: "dev" | "prod") =>
  cachedRun(`ecs-${stack}`,
    () => ({ stack, config: stack === "prod" ? PROD_ECS : { hosting: "ecs", cache: "redis" } }));
const of = (resources: MockResource[], type: string) => resources.filter((r) => r.type === type);

describe("ecs program under the AWS mock (ECS itself never ran here)", function() {
  this.timeout(60000);
  for (const stack of ["dev", "prod"] as const) {
    describe(`${stack}`, () => {
      it("creates no host and no SSH: a cluster, a Fargate service and a load balancer instead", async () => {
        const { mock, outputs } = await ecsRun(stack);
        assert.deepStrictEqual([of(mock.resources, "aws:ec2/instance:Instance").length,
          of(mock.resources, "command:remote:Command").length], [0, 0]);
        assert.strictEqual(mock.one("aws:ecs/service:Service", "app-service").inputs.launchType, "FARGATE");
        assert.strictEqual(outputs.hosting, "ecs");
        assert.strictEqual(outputs.url,
          stack === "prod" ? "https://app.example.com" : `http://${outputs.loadBalancerDnsName}`);
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
        assert.deepStrictEqual(
          toTasks.map((r) => [r.inputs.referencedSecurityGroupId, r.inputs.cidrIpv4, r.inputs.fromPort]),
          [[lb.inputs.securityGroups[0], undefined, 8000]],
        );
        const db = mock.one("aws:rds/instance:Instance");
        const toDb = ingress.filter((r) => db.inputs.vpcSecurityGroupIds.includes(r.inputs.securityGroupId));
        assert.deepStrictEqual(toDb.map((r) => r.inputs.referencedSecurityGroupId), [tasksSg]);
        assert.ok(!ingress.some((r) => r.inputs.fromPort === 22), "no SSH anywhere: ECS Exec goes through SSM");
      });

      it("rolls out with the circuit breaker and rollback, 100 % minimum healthy, ECS Exec on, and waits for steady state", async () => {
        const s = (await ecsRun(stack)).mock.one("aws:ecs/service:Service", "app-service").inputs;
        assert.deepStrictEqual([s.deploymentCircuitBreaker, s.deploymentMinimumHealthyPercent,
          s.deploymentMaximumPercent, s.enableExecuteCommand, s.waitForSteadyState], [{ enable: true, rollback: true },
          100, 200, true, true]);
        assert.deepStrictEqual(
          s.loadBalancers.map((
            l: { containerName: string; containerPort: number },
          ) => [l.containerName, l.containerPort]),
          [["web", 8000]],
        );
      });

      it("hands the app its secrets only through `secrets`, from SecureString parameters the execution role alone may read", async () => {
        const { mock, outputs } = await ecsRun(stack);
        const task = mock.one("aws:ecs/taskDefinition:TaskDefinition", "app-task");
        const text = task.inputs.containerDefinitions as string;
        for (const secret of [String(outputs.dbPassword), String(outputs.dbUrl)]) {
          assert.ok(!text.includes(secret), "no secret value in the task definition");
        }
        const containers = JSON.parse(text) as { name: string; environment: { name: string }[];
          secrets: { name: string; valueFrom: string }[] }[];
        const web = containers.find((c) => c.name === "web")!;
        const login = containers.find((c) => c.name === DB_LOGIN_CONTAINER)!;
        assert.ok(!web.environment.some((e) => /DATABASE_URL|SECRET_KEY/.test(e.name)));
        const params = of(mock.resources, "aws:ssm/parameter:Parameter");
        assert.ok(params.every((p) => p.inputs.type === "SecureString" && p.secretInputs.includes("value")));
        // The app's parameters go to web, the two passwords to db-login only: together, every parameter.
        const master = params.find((p) => p.inputs.name.endsWith("/db/master-password"))!.state.arn;
        assert.ok(!web.secrets.some((s) => s.valueFrom === master));
        assert.deepStrictEqual(new Set([...web.secrets, ...login.secrets].map((s) => s.valueFrom)),
          new Set(params.map((p) => p.state.arn)));
        const execution = of(mock.resources, "aws:iam/rolePolicy:RolePolicy").find((p) =>
          p.name === "app-execution-policy"
        )!;
        const ssm = JSON.parse(execution.inputs.policy).Statement.find((st: { Action: string[] }) =>
          st.Action.includes("ssm:GetParameters")
        );
        // The stack's own parameters, by path: each of them, and nothing outside /<app>/.
        const [pattern] = ssm.Resource as string[];
        assert.deepStrictEqual([ssm.Resource.length, pattern.endsWith(`:parameter/compose-on-ec2-${stack}/*`)], [1,
          true]);
        const matches = (arn: string) => arn.startsWith(pattern.slice(0, -1));
        assert.ok(params.every((p) => matches(p.state.arn)), "every parameter of the stack");
        assert.ok(!matches(`arn:aws:ssm:us-east-1:123456789012:parameter/compose-on-ec2-${stack}-other/x`));
        const taskPolicies = of(mock.resources, "aws:iam/rolePolicy:RolePolicy").filter((p) =>
          p.name.startsWith("app-task-")
        ).map((p) => p.inputs.policy as string);
        assert.ok(
          taskPolicies.some((p) => p.includes("ssmmessages:CreateControlChannel"))
            && !taskPolicies.some((p) => p.includes("ssm:GetParameters")),
        );
      });

      it("scales on CPU between minTasks and maxTasks and logs to the stage's retention", async () => {
        const { mock } = await ecsRun(stack);
        const target = mock.one("aws:appautoscaling/target:Target", "app-scaling").inputs;
        assert.deepStrictEqual([target.minCapacity, target.maxCapacity], [defaultFor("minTasks", stack),
          defaultFor("maxTasks", stack)]);
        assert.strictEqual(
          mock.one("aws:appautoscaling/policy:Policy", "app-cpu-target").inputs.targetTrackingScalingPolicyConfiguration
            .predefinedMetricSpecification.predefinedMetricType,
          "ECSServiceAverageCPUUtilization",
        );
        assert.strictEqual(mock.one("aws:cloudwatch/logGroup:LogGroup").inputs.retentionInDays,
          monitoringDefaults(stack).logRetentionDays);
        assert.deepStrictEqual(mock.one("aws:ecs/cluster:Cluster").inputs.settings, [{ name: "containerInsights",
          value: "disabled" }]);
      });

      it("gives the web task the app's environment the stack lists: clear entries in `environment`, secret ones in `secrets`, SITE_DOMAINS and HTTPS only with HTTPS", async () => {
        const { mock, outputs } = await ecsRun(stack);
        const web = (JSON.parse(
          mock.one("aws:ecs/taskDefinition:TaskDefinition", "app-task").inputs.containerDefinitions,
        ) as { name: string; environment: { name: string; value: string }[]; secrets: { name: string }[] }[])
          .find((c) => c.name === "web")!;
        const listed = outputs.appEnvironment as Record<string, string>;
        const secretNames = Object.keys(listed).filter((n) =>
          ECS_STACK_SECRETS[n] !== undefined || listed[n] === "appSecrets"
        );
        assert.deepStrictEqual(secretNames.filter((n) => !web.secrets.some((s) => s.name === n)), [],
          "every secret the stack lists reaches the task through `secrets`");
        assert.deepStrictEqual(
          Object.keys(listed).filter((n) => !secretNames.includes(n) && !web.environment.some((e) => e.name === n)),
          [],
          "every clear entry the stack lists is in `environment`",
        );
        const site = Object.fromEntries(
          web.environment.filter((e) => ["SITE_DOMAINS", "HTTPS"].includes(e.name)).map((e) => [e.name, e.value]),
        );
        assert.deepStrictEqual(site,
          stack === "prod" ? { HTTPS: "on", SITE_DOMAINS: "app.example.com,www.example.com" } : {});
      });

      it("keeps media in a private, encrypted bucket: versioned, protected and retained in prod only", async () => {
        const { mock } = await ecsRun(stack);
        const bucket = assertMediaBucketSafety(mock, stack);
        const env = (JSON.parse(
          mock.one("aws:ecs/taskDefinition:TaskDefinition", "app-task").inputs.containerDefinitions,
        ) as { name: string; environment: { name: string; value: string }[] }[]).find((c) => c.name === "web")!
          .environment;
        assert.strictEqual(env.find((e) => e.name === "MEDIA_BUCKET")?.value, bucket.state.bucket);
      });
    });
  }

  it("prod serves HTTPS with an ACM certificate validated in the hosted zone, redirects HTTP, and points the names at the ALB", async () => {
    const { mock } = await ecsRun("prod");
    const listeners = of(mock.resources, "aws:lb/listener:Listener").map((l) => l.inputs);
    const https = listeners.find((l) => l.protocol === "HTTPS")!;
    assert.strictEqual(https.certificateArn, mock.one("aws:acm/certificate:Certificate").state.arn);
    assert.deepStrictEqual(listeners.find((l) => l.protocol === "HTTP")?.defaultActions[0].redirect, {
      protocol: "HTTPS",
      port: "443",
      statusCode: "HTTP_301",
    });
    const records = of(mock.resources, "aws:route53/record:Record").map((r) => r.inputs);
    assert.deepStrictEqual(records.filter((r) => r.type === "A").map((r) => r.name), ["app.example.com",
      "www.example.com"]);
    assert.ok(records.every((r) => r.zoneId === ZONE));
  });

  it("dev without a domain serves plain HTTP straight to the tasks, health-checked on the app's health path", async () => {
    const { mock } = await ecsRun("dev");
    assert.deepStrictEqual(
      of(mock.resources, "aws:lb/listener:Listener").map((
        l,
      ) => [l.inputs.port, l.inputs.protocol, l.inputs.defaultActions[0].type]),
      [[80, "HTTP", "forward"]],
    );
    const tg = mock.one("aws:lb/targetGroup:TargetGroup").inputs;
    assert.deepStrictEqual([tg.targetType, tg.healthCheck.path, tg.deregistrationDelay], ["ip", "/healthz", 30]);
  });
});
