// The critical path of a first `pulumi up`: the engine starts a resource as soon as everything it
// depends on (dependencies + a custom parent) is created, so the wall-clock time of the first `up`
// is the longest chain of creation times through that graph.
//
// Creation times are ESTIMATES, each with its basis. No AWS documentation states creation times;
// where a number comes from provider issues or our own scripts it says so.

import type { Registration } from "../../../lib/engine";

/** What the critical path needs to know about a resource (a slice of what capture.ts records). */
export type GraphNode = Pick<Registration, "urn" | "type" | "name" | "custom" | "parent" | "dependencies" | "inputs">;

/** Creation time range in seconds and why we believe it. */
export interface Duration {
  lowSeconds: number;
  highSeconds: number;
  basis: string;
}

const seconds = (lowSeconds: number, highSeconds: number, basis: string): Duration => ({ lowSeconds, highSeconds,
  basis });

const RDS_BASIS = "estimate: RDS reports 'creating' → 'backing-up' → 'available' for ~10 min on small classes "
  + "(hashicorp/terraform#1097, govuk-paas/paas-cf#445 '<10 mins once creation starts'); "
  + "Multi-AZ provisions and syncs a standby (hashicorp/terraform#5831), so longer; provider create timeout 40 min";

/** The deployment's steps on the host, whichever transport carries them (ssh: remote commands; ssm: local commands through Session Manager). */
const WAIT_READY = seconds(2 * 60, 4 * 60,
  "estimate: cloud-init installs docker + compose plugin on first boot (our user data), SSH dial retries meanwhile");
const DEPLOY = seconds(60, 3 * 60, "estimate: unpack, `compose build`/pull, `compose up`, health check (host/release)");
const UPLOAD = seconds(5, 60,
  "estimate: the contents the host lacks (all of them on a first deploy: tens of MB at most) and the manifest");

/** Estimated creation time of one resource on a first `up`. */
export function creationTime(node: GraphNode): Duration {
  if (!node.custom || node.type.startsWith("pulumi:")) return seconds(0, 0, "component/provider: no cloud call");
  const role = node.name.toLowerCase();
  switch (node.type) {
    case "aws:rds/instance:Instance":
      return node.inputs.multiAz === true ? seconds(15 * 60, 30 * 60, RDS_BASIS) : seconds(8 * 60, 15 * 60, RDS_BASIS);
    case "aws:ec2/instance:Instance":
      return seconds(30, 60,
        "estimate: RunInstances until state 'running' (the provider waits for it), typical for t3/t4g");
    case "aws:ec2/eip:Eip":
    case "aws:ec2/eipAssociation:EipAssociation":
    case "aws:ec2/securityGroup:SecurityGroup":
    case "aws:ec2/keyPair:KeyPair":
    case "aws:rds/subnetGroup:SubnetGroup":
    case "aws:rds/parameterGroup:ParameterGroup":
      return seconds(2, 10, "estimate: single API call plus tagging");
    case "aws:iam/instanceProfile:InstanceProfile":
      return seconds(5, 15, "estimate: the provider waits for IAM propagation of new instance profiles");
    case "aws:ecr/repository:Repository":
    case "aws:secretsmanager/secret:Secret":
    case "aws:secretsmanager/secretVersion:SecretVersion":
      return seconds(1, 5, "estimate: single API call");
    case "docker:index/image:Image":
    case "docker-build:index:Image":
      return seconds(2 * 60, 6 * 60, "estimate: build the app image and push it to ECR");
    case "command:remote:CopyToRemote":
    case "command:remote:CopyFile":
      return UPLOAD;
    case "command:remote:Command":
    case "command:local:Command":
      // Priced by what the step does on the host, not by the transport that carries it: on ssm the
      // same steps run as local commands that reach the host through Session Manager.
      if (typeof node.inputs.create !== "string" || ["", "true", ":"].includes(node.inputs.create.trim())) {
        return seconds(0, 0, "no (or a no-op) create command: runs only on update/delete");
      }
      if (/wait|ready/.test(role)) return WAIT_READY;
      if (/deploy|release/.test(role)) return DEPLOY;
      if (/upload/.test(role)) return UPLOAD;
      return node.type === "command:local:Command"
        ? seconds(1, 30, "estimate: generic local command")
        : seconds(5, 60, "estimate: generic remote command");
    case "aws:lb/loadBalancer:LoadBalancer":
      return seconds(2 * 60, 5 * 60,
        "estimate: the provider waits until the load balancer is 'active' (provisioning in each AZ takes minutes, terraform-provider-aws lb create timeout 10 min)");
    case "aws:ecs/service:Service":
      return node.inputs.waitForSteadyState === true
        ? seconds(2 * 60, 8 * 60,
          "estimate: waitForSteadyState: Fargate places the tasks, pulls the image, the app migrates and starts, and the target group needs 2 passing health checks (2 x 15 s) before the service is steady")
        : seconds(5, 30, "estimate: CreateService returns before the tasks run");
    case "aws:acm/certificateValidation:CertificateValidation":
      return seconds(60, 15 * 60,
        "estimate: ACM checks the DNS record once it has propagated; usually minutes (ACM User Guide: DNS validation may take up to 30 minutes after the record exists)");
    case "aws:route53/record:Record":
      return seconds(30, 90,
        "estimate: the provider waits for the change to be INSYNC (Route 53: changes reach its servers within 60 s)");
    case "aws:ecs/cluster:Cluster":
    case "aws:ecs/taskDefinition:TaskDefinition":
    case "aws:lb/targetGroup:TargetGroup":
    case "aws:lb/listener:Listener":
    case "aws:acm/certificate:Certificate":
    case "aws:ssm/parameter:Parameter":
    case "aws:appautoscaling/target:Target":
    case "aws:appautoscaling/policy:Policy":
      return seconds(1, 5, "estimate: single API call");
    default:
      if (node.type.startsWith("aws:s3/")) return seconds(1, 5, "estimate: single API call");
      if (node.type.startsWith("random:") || node.type.startsWith("tls:")) {
        return seconds(0, 0, "computed locally by the provider");
      }
      if (node.type.startsWith("aws:iam/") || node.type.startsWith("aws:vpc/") || node.type.startsWith("aws:ec2/")) {
        return seconds(1, 5, "estimate: single API call");
      }
      return seconds(1, 10, "unlisted type: assumed a few seconds");
  }
}

/** One step on the critical path. */
export interface PathStep {
  urn: string;
  type: string;
  name: string;
  duration: Duration;
  /** Seconds after the start of `up` when this step finishes (typical times). */
  finishSeconds: number;
}

export interface CriticalPath {
  steps: PathStep[];
  /** Sum of mid-range times along the path. */
  typicalSeconds: number;
  lowSeconds: number;
  highSeconds: number;
}

const typical = (d: Duration): number => (d.lowSeconds + d.highSeconds) / 2;

/** What a node waits for before it can start: its dependencies and its parent. */
export function predecessors(node: GraphNode, byUrn: Map<string, GraphNode>): string[] {
  const preds = new Set(node.dependencies);
  if (node.parent) preds.add(node.parent);
  return [...preds].filter((urn) => byUrn.has(urn) && urn !== node.urn).sort();
}

/** Longest chain of typical creation times through the dependency graph. Throws on a cycle. */
export function criticalPath(nodes: GraphNode[], timeOf: (n: GraphNode) => Duration = creationTime): CriticalPath {
  const byUrn = new Map(nodes.map((n) => [n.urn, n]));
  const finish = new Map<string, { at: number; via?: string }>();
  const visiting = new Set<string>();

  const visit = (node: GraphNode): number => {
    const done = finish.get(node.urn);
    if (done) return done.at;
    if (visiting.has(node.urn)) throw new Error(`dependency cycle through ${node.urn}`);
    visiting.add(node.urn);
    let start = 0;
    let via: string | undefined;
    for (const pred of predecessors(node, byUrn)) {
      const at = visit(byUrn.get(pred) as GraphNode);
      if (via === undefined || at > start) {
        start = at;
        via = pred;
      }
    }
    visiting.delete(node.urn);
    const at = start + typical(timeOf(node));
    finish.set(node.urn, { at, via });
    return at;
  };

  let last: GraphNode | undefined;
  let lastAt = -1;
  for (const node of [...nodes].sort((a, b) => a.urn.localeCompare(b.urn))) {
    const at = visit(node);
    if (at > lastAt) {
      lastAt = at;
      last = node;
    }
  }

  const steps: PathStep[] = [];
  for (let urn = last?.urn; urn !== undefined; urn = finish.get(urn)?.via) {
    const node = byUrn.get(urn) as GraphNode;
    steps.unshift({ urn, type: node.type, name: node.name, duration: timeOf(node),
      finishSeconds: finish.get(urn)?.at ?? 0 });
  }
  // Components and providers take no time: keep only steps that cost something (plus the last).
  const costly = steps.filter((s) => s.duration.highSeconds > 0);
  return {
    steps: costly,
    typicalSeconds: Math.max(lastAt, 0),
    lowSeconds: costly.reduce((sum, s) => sum + s.duration.lowSeconds, 0),
    highSeconds: costly.reduce((sum, s) => sum + s.duration.highSeconds, 0),
  };
}
