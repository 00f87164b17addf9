// hosting: ecs: what the AWS mock refuses as ECS, ELB, ACM, Route 53, Auto Scaling and S3 do.
import * as assert from "assert";
import { AwsMock } from "../../lib/engine";
import { computeAws } from "../../lib/engine/awsResources";
import { bucketNameProblem } from "../../lib/engine/awsS3";
import { ZONE } from "../support/ecs";

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
    const base = { family: "f", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "4096",
      containerDefinitions: JSON.stringify([{ name: "web", image: "i" }]) };
    assert.match(refusal("aws:ecs/taskDefinition:TaskDefinition", base),
      /No Fargate configuration exists for given values: 256 CPU, 4096 memory/);
    assert.match(refusal("aws:ecs/taskDefinition:TaskDefinition", { ...base, memory: "512", networkMode: "bridge" }),
      /Fargate requires network mode awsvpc/);
    assert.match(
      refusal("aws:ecs/taskDefinition:TaskDefinition", { ...base, memory: "512",
        containerDefinitions: JSON.stringify([{ name: "web", image: "i",
          secrets: [{ name: "A", valueFrom: "arn" }] }]) }),
      /secrets need executionRoleArn/,
    );
  });
  it("refuses ELB names over 32 characters, an ALB in one AZ, a health check timeout not below its interval", () => {
    assert.match(refusal("aws:lb/targetGroup:TargetGroup", { name: "a".repeat(33), port: 80, vpcId: "vpc-1" }),
      /ValidationError: name/);
    const s1 = mock.anySubnet().id;
    assert.match(refusal("aws:lb/loadBalancer:LoadBalancer", { name: "lb", subnets: [s1] }),
      /two different Availability Zones/);
    assert.match(
      refusal("aws:lb/targetGroup:TargetGroup", { name: "tg", port: 80, vpcId: "vpc-1",
        healthCheck: { interval: 5, timeout: 5 } }),
      /timeout must be smaller than the interval/,
    );
  });
  it("refuses a wildcard not in the first label, an alias with a TTL, a scaling target of no service, a bad bucket name", () => {
    assert.match(refusal("aws:acm/certificate:Certificate", { domainName: "a.*.example.com", validationMethod: "DNS" }),
      /ValidationException: domain name/);
    assert.match(
      refusal("aws:route53/record:Record", { zoneId: ZONE, name: "a.example.com", type: "A", ttl: 60,
        aliases: [{ name: "x", zoneId: "Z1", evaluateTargetHealth: true }] }),
      /alias record has no records or TTL/,
    );
    assert.match(
      refusal("aws:appautoscaling/target:Target", { serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount", resourceId: "service/c/s", minCapacity: 1, maxCapacity: 2 }),
      /ObjectNotFoundException/,
    );
    for (const name of ["ab", "xn--bucket", "my..bucket", "192.168.5.4", "bucket-s3alias", "Bucket"]) {
      assert.ok(bucketNameProblem(name), name);
    }
  });
});
