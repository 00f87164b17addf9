// hosting: ecs with the services users' compose files carry besides web and its proxy: workers and
// beat built from web's build, redis as broker and cache. Each gets a defined fate (its own service, a
// single task, the managed cache, the load balancer, or a refusal naming the reason), the plan prints
// them as a table, and the ecs path's alarms go to the same SNS topic as ec2's.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { planEcsTask } from "../../components/config";
import { ecsFateText } from "../../components/compose/serviceFates";
import { AwsMock, MockResource } from "../../lib/engine";
import { renderText } from "../../scripts/plan";
import { cachedRun, planFor } from "../support/fixtures";

const ROOT = path.resolve(__dirname, "..", "..");
const FIXTURE = "tests/fixtures/workers/docker-compose.prod.yml";
const TEXT = fs.readFileSync(path.join(ROOT, FIXTURE), "utf8");
const plan = (text: string, cache: boolean) =>
  planEcsTask({ file: FIXTURE, text, webService: "web", appEnv: {}, minTasks: 1, maxTasks: 3, cache });
const of = (resources: MockResource[], type: string) => resources.filter((r) => r.type === type);
const SETTINGS = { hosting: "ecs", appDir: "tests/fixtures/workers", cache: "redis" };
const run = () => cachedRun("ecs-workers-dev", () => ({ stack: "dev", mock: new AwsMock(), config: SETTINGS }));

describe("ecs: every service of the compose file has a fate", () => {
  it("gives workers their own service, beat a single task, redis to the managed cache, nginx to the load balancer", () => {
    const { plan: p, problems } = plan(TEXT, true);
    assert.deepStrictEqual(problems, []);
    assert.deepStrictEqual(p!.fates.map((f) => [f.service, f.ecs?.kind]), [
      ["web", "web-service"],
      ["worker", "worker-service"],
      ["beat", "singleton-service"],
      ["redis", "managed"],
      ["nginx", "replaced-by-load-balancer"],
    ]);
    assert.deepStrictEqual(p!.services, ["web"], "redis, web's dependency, is met outside the task");
    const [worker, beat] = p!.workers;
    assert.deepStrictEqual([worker.service, worker.minTasks, worker.maxTasks, worker.singleton], ["worker", 2, 3,
      false], "deploy.replicas is the worker's minimum, the stack's maxTasks its maximum");
    assert.deepStrictEqual([beat.service, beat.minTasks, beat.maxTasks, beat.singleton], ["beat", 1, 1, true]);
    const c = worker.containers[0];
    assert.deepStrictEqual([c.command, c.stopTimeout, c.portMappings, c.image], [["celery", "-A", "site_config",
      "worker", "--loglevel", "INFO"], 90, [], "ecr.placeholder.invalid/web:release"]);
    assert.deepStrictEqual(beat.containers[0].command, ["celery", "-A", "site_config", "beat", "--loglevel", "INFO"]);
    assert.deepStrictEqual(worker.secretEnv.worker.map((s) => s.name), ["DATABASE_URL", "SECRET_KEY",
      "DJANGO_SECRET_KEY"], "the env file's stack secrets, as web gets them");
    assert.ok(
      p!.notes.includes("worker: depends_on is dropped: on ecs it is a service of its own, started independently"),
      p!.notes.join("\n"),
    );
    assert.ok(p!.notes.includes("redis is replaced by the stack's managed cache (REDIS_URL)"), p!.notes.join("\n"));
  });

  it("refuses redis without the managed cache, and a service that is none of web, worker, proxy, cache or database, each with the reason and the fix", () => {
    const { problems } = plan(TEXT, false);
    assert.strictEqual(problems.length, 1, problems.join("\n"));
    assert.match(problems[0],
      /^tests\/fixtures\/workers\/docker-compose\.prod\.yml:\d+: service "redis": cannot run on ecs: a redis container on Fargate loses its data .*\. Fix: set compose-on-ec2:cache to redis/);
    const extra = `${TEXT}\n  mailhog:\n    image: mailhog/mailhog:v1.0.1\n`;
    const refused = plan(extra, true).problems;
    assert.strictEqual(refused.length, 1, refused.join("\n"));
    assert.match(refused[0],
      /service "mailhog": cannot run on ecs: .*mailhog is none of these\. Fix: remove it from the compose file/);
  });

  it("leaves a database service to the stack's RDS database", () => {
    const withDb = `${TEXT}\n  db:\n    image: postgres:16\n`;
    const { plan: p, problems } = plan(withDb, true);
    assert.deepStrictEqual(problems, []);
    const db = p!.fates.find((f) => f.service === "db")!;
    assert.strictEqual(ecsFateText(db.ecs!), "replaced by the stack's RDS database (DATABASE_URL)");
  });

  it("prints one line per service in the plan's words", () => {
    const lines = plan(TEXT, true).plan!.fates.map((f) => `${f.service}: ${ecsFateText(f.ecs)}`);
    assert.deepStrictEqual(lines, [
      "web: its own ECS service behind the load balancer, 1..3 tasks",
      "worker: its own ECS service (web's image, its own command, no load balancer), 2..3 tasks",
      "beat: a single task (an ECS service of exactly one task; the old one stops before the new starts)",
      "redis: replaced by the stack's managed cache (REDIS_URL)",
      "nginx: replaced by the load balancer",
    ]);
  });
});

describe("ecs workers and beat under the offline engine", function() {
  this.timeout(120000);

  it("runs each worker as its own Fargate service on web's pushed image with its own command, without a load balancer", async () => {
    const { mock } = await run();
    const services = of(mock.resources, "aws:ecs/service:Service");
    assert.deepStrictEqual(services.map((s) => s.name).sort(), ["app-beat-service", "app-service",
      "app-worker-service"]);
    const web = services.find((s) => s.name === "app-service")!;
    const webTask = mock.resources.find((r) => r.name === "app-task")!;
    const webImage =
      (JSON.parse(webTask.inputs.containerDefinitions) as { name: string; image: string }[]).find((c) =>
        c.name === "web"
      )!.image;
    for (const name of ["worker", "beat"]) {
      const service = services.find((s) => s.name === `app-${name}-service`)!;
      assert.deepStrictEqual(service.inputs.loadBalancers ?? [], [], `${name} has no load balancer`);
      assert.deepStrictEqual(service.inputs.networkConfiguration.securityGroups,
        web.inputs.networkConfiguration.securityGroups,
        `${name} runs in the tasks' group (it reaches the database and the cache)`);
      const task = mock.resources.find((r) => r.name === `app-${name}-task`)!;
      const containers = JSON.parse(task.inputs.containerDefinitions) as { name: string; image: string;
        command: string[]; secrets: { name: string }[]; environment: { name: string }[]; dependsOn?: unknown[] }[];
      const container = containers.find((c) => c.name === name)!;
      assert.deepStrictEqual(container.dependsOn, [{ containerName: "db-login", condition: "SUCCESS" }],
        `${name} waits for its task's db-login container`);
      assert.deepStrictEqual(task.inputs.volumes, [{ name: "db-ca" }],
        `${name}'s task declares the CA bundle's volume`);
      assert.strictEqual(container.image, webImage, `${name} runs web's image`);
      assert.ok(container.command.includes(name), container.command.join(" "));
      assert.ok(
        container.secrets.some((s) => s.name === "DATABASE_URL")
          && container.environment.some((e) => e.name === "REDIS_URL"),
        `${name} gets the database and the cache`,
      );
    }
  });

  it("keeps beat to exactly one task, stopping the old before starting the new; scales the worker between its own min and max", async () => {
    const { mock } = await run();
    const beat = mock.resources.find((r) => r.name === "app-beat-service")!;
    assert.deepStrictEqual([beat.inputs.desiredCount, beat.inputs.deploymentMinimumHealthyPercent,
      beat.inputs.deploymentMaximumPercent], [1, 0, 100]);
    const targets = of(mock.resources, "aws:appautoscaling/target:Target");
    assert.ok(
      !targets.some((t) =>
        String(t.inputs.resourceId).endsWith("/app-beat-service") || String(t.inputs.resourceId).includes("beat")
      ),
      "beat never scales",
    );
    const worker = mock.resources.find((r) => r.name === "app-worker-service")!;
    const target = targets.find((t) => t.name === "app-worker-scaling")!;
    assert.deepStrictEqual([worker.inputs.desiredCount, target.inputs.minCapacity, target.inputs.maxCapacity,
      target.inputs.resourceId.endsWith(`/${worker.state.name}`)], [2, 2, 2, true]);
  });

  it("sends the load balancer's, every service's and the database's alarms to the one SNS topic ec2 uses", async () => {
    const { mock, outputs } = await run();
    const topic = mock.one("aws:sns/topic:Topic");
    assert.strictEqual(topic.name, "monitoring-alerts",
      "the same resource as on ec2, so a switch keeps the topic and its subscription");
    assert.strictEqual(outputs.alarmTopicArn, topic.state.arn);
    const alarms = of(mock.resources, "aws:cloudwatch/metricAlarm:MetricAlarm");
    assert.deepStrictEqual(alarms.map((a) => `${a.inputs.namespace} ${a.inputs.metricName}`).sort(), [
      "AWS/ApplicationELB HTTPCode_Target_5XX_Count",
      "AWS/ApplicationELB UnHealthyHostCount",
      "AWS/ECS CPUUtilization",
      "AWS/ECS CPUUtilization",
      "AWS/ECS CPUUtilization",
      "AWS/ECS MemoryUtilization",
      "AWS/ECS MemoryUtilization",
      "AWS/ECS MemoryUtilization",
      "AWS/RDS CPUUtilization",
      "AWS/RDS FreeStorageSpace",
    ]);
    for (const a of alarms) assert.deepStrictEqual(a.inputs.alarmActions, [topic.state.arn], a.name);
    const lb = mock.one("aws:lb/loadBalancer:LoadBalancer");
    const tg = mock.one("aws:lb/targetGroup:TargetGroup");
    assert.deepStrictEqual(alarms.find((a) => a.name === "monitoring-lb-unhealthy-targets")!.inputs.dimensions, {
      LoadBalancer: lb.state.arnSuffix,
      TargetGroup: tg.state.arnSuffix,
    });
    const cluster = mock.one("aws:ecs/cluster:Cluster");
    const services = of(mock.resources, "aws:ecs/service:Service");
    for (const name of ["web", "worker", "beat"]) {
      const service = services.find((s) => s.name === (name === "web" ? "app-service" : `app-${name}-service`))!;
      assert.deepStrictEqual(alarms.find((a) => a.name === `monitoring-${name}-memory-high`)!.inputs.dimensions, {
        ClusterName: cluster.state.name,
        ServiceName: service.state.name,
      });
    }
    assert.strictEqual(alarms.find((a) => a.name === "monitoring-lb-target-5xx")!.inputs.treatMissingData,
      "notBreaching", "no 5xx published is no error");
    assert.strictEqual(
      of(mock.resources, "aws:iam/rolePolicy:RolePolicy").filter((p) => p.name === "monitoring-instance-policy").length,
      0,
      "no instance role on ecs",
    );
  });

  it("prints the per-service table in the plan", async () => {
    const p = await planFor("dev", undefined, SETTINGS);
    const text = renderText(p);
    assert.match(text,
      /Services \(what a deploy does with each of the 5\):\n  web +ec2: [^\n]*; ecs: its own ECS service behind the load balancer, 1\.\.2 tasks\n  worker +ec2: [^\n]*; ecs: its own ECS service/,
      text.slice(0, 2000));
    assert.match(text, /\n  redis +ec2: [^\n]*; ecs: replaced by the stack's managed cache \(REDIS_URL\)\n/);
  });
});
