// hosting: ecs: the offline plan's prices of ecs stacks, and the policy rules an ecs stack adds.
import * as assert from "assert";
import { checkAll, PolicyResource, RULES } from "../../policy/rules";
import { secretInEnvironment } from "../../policy/ecsRules";
import { planFor } from "../support/fixtures";
import { PROD_ECS } from "../support/ecs";

describe("plan and policy of ecs stacks", function() {
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
    const fargate = (p: typeof dev) =>
      p.cost.lines.find((l) => l.type === "aws:ecs/service:Service" && l.name === "app-service")!.monthly;
    assert.ok(Math.abs(fargate(prod) - 2 * fargate(dev)) < 0.02, "prod runs twice dev's web tasks");
    assert.ok(prod.cost.totalMonthly > dev.cost.totalMonthly);
    assert.ok(prod.criticalPath.steps.some((s) => s.type === "aws:rds/instance:Instance"));
  });

  const stack = (): PolicyResource[] => [
    { type: "aws:ec2/securityGroup:SecurityGroup", name: "lb-sg", urn: "urn:lb-sg", id: "sg-lb", protect: false,
      props: {} },
    { type: "aws:ec2/securityGroup:SecurityGroup", name: "tasks-sg", urn: "urn:tasks-sg", id: "sg-tasks",
      protect: false, props: {} },
    { type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name: "tasks-from-lb", protect: false,
      props: { securityGroupId: "sg-tasks", referencedSecurityGroupId: "sg-lb", ipProtocol: "tcp", fromPort: 8000,
        toPort: 8000 } },
    { type: "aws:lb/loadBalancer:LoadBalancer", name: "alb", protect: false, props: { securityGroups: ["sg-lb"] } },
    { type: "aws:ecs/service:Service", name: "svc", protect: false,
      props: { networkConfiguration: { securityGroups: ["sg-tasks"] } } },
    { type: "aws:ecs/taskDefinition:TaskDefinition", name: "task", protect: false,
      props: {
        containerDefinitions: JSON.stringify([{ name: "web", environment: [{ name: "DJANGO_LOG_LEVEL", value: "INFO" }],
          secrets: [{ name: "DATABASE_URL", valueFrom: "arn:x" }] }]),
      } },
  ];
  const failures = (resources: PolicyResource[]) =>
    checkAll(resources,
      RULES.filter((r) =>
        ["tasks-only-through-load-balancer", "no-secret-in-container-env", "media-bucket-private"].includes(r.name)
      )).map((v) => `${v.policy}: ${v.message}`);

  it("passes tasks reachable only through the load balancer and secrets only in `secrets`", () => {
    assert.deepStrictEqual(failures(stack()), []);
  });
  it("fails a task group open to a CIDR, and a secret in a container's environment", () => {
    const open = [...stack(), { type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name: "tasks-open",
      protect: false,
      props: { securityGroupId: "sg-tasks", cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 8000, toPort: 8000 } }];
    assert.deepStrictEqual(failures(open), [
      "tasks-only-through-load-balancer: tasks-sg admits CIDRs 0.0.0.0/0; the tasks must be reachable only through the load balancer",
    ]);
    const leaky = stack().map((
      r,
    ) => (r.name === "task"
      ? { ...r,
        props: {
          containerDefinitions: JSON.stringify([{ name: "web",
            environment: [{ name: "DB", value: "postgres://u:pw@h/db" }, { name: "SECRET_KEY", value: "x" }] }]),
        } }
      : r)
    );
    assert.deepStrictEqual(failures(leaky), [
      "no-secret-in-container-env: container web: environment DB holds a URL with a password; pass it through `secrets`",
      "no-secret-in-container-env: container web: environment SECRET_KEY is named like a secret; pass it through `secrets`",
    ]);
    assert.strictEqual(secretInEnvironment("ALLOWED_HOSTS", "a.example.com", []), undefined);
  });
  it("fails a prod bucket without versioning, protection or a public access block", () => {
    const bucket: PolicyResource = { type: "aws:s3/bucket:Bucket", name: "media", urn: "urn:media", id: "media-1",
      protect: false, props: { tags: { stage: "prod" }, forceDestroy: true } };
    assert.deepStrictEqual(failures([bucket]), [
      "media-bucket-private: public access is not fully blocked (blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets must all be true)",
      "media-bucket-private: no server-side encryption configuration",
      "media-bucket-private: versioning is not enabled in prod",
      "media-bucket-private: the resource option protect is not set in prod",
      "media-bucket-private: forceDestroy is true in prod (a destroy would delete the media)",
    ]);
  });
});
