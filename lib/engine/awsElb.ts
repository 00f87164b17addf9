/* eslint-disable @typescript-eslint/no-explicit-any -- provider inputs are untyped JSON here */
// The AWS mock's model of the ecs stack's front: ELBv2 (CreateLoadBalancer, CreateTargetGroup,
// CreateListener) and ACM (RequestCertificate + the provider's validation waiter); its Route 53
// records are awsRoute53.ts. Each refusal follows the API reference of the call named above it.
import { arnOf as arn, exists, inRange, type Account, type Computed, type Fail, type Model } from "./awsModel";
import { autoname, sha, uuidOf } from "./ids";

export const LB = "aws:lb/loadBalancer:LoadBalancer";
export const TG = "aws:lb/targetGroup:TargetGroup";
export const LISTENER = "aws:lb/listener:Listener";
const CERT = "aws:acm/certificate:Certificate";
const SG = "aws:ec2/securityGroup:SecurityGroup";

/**
 * The canonical hosted zone of each region's Application Load Balancers (Elastic Load Balancing
 * endpoints and quotas, AWS General Reference), what an alias record must name.
 */
const ALB_ZONE: Record<string, string> = {
  "us-east-1": "Z35SXDOTRQ7X7K",
  "us-west-2": "Z1H1FL5HABSF5",
  "eu-west-1": "Z32O12XQLNTSW2",
  "eu-central-1": "Z215JYRZR1TBD5",
  "ap-northeast-1": "Z14GRHDCWA56QT",
  "ap-northeast-2": "ZWKZPGTI48KDX",
  "ap-southeast-1": "Z1LMS91P8CMLE5",
};

// ---- Elastic Load Balancing v2 ----

/** CreateLoadBalancer / CreateTargetGroup, Name: "maximum of 32 characters, ... only alphanumeric characters or hyphens, must not begin or end with a hyphen, and must not begin with internal-". */
function elbName(n: string, fail: Fail): void {
  if (!/^[A-Za-z0-9-]{1,32}$/.test(n) || n.startsWith("-") || n.endsWith("-") || n.startsWith("internal-")) {
    throw fail(`ValidationError: name ${n}`);
  }
}

function loadBalancer(a: Account, name: string, inputs: Record<string, any>, fail: Fail): Computed {
  const lbName: string = inputs.name ?? autoname(name, LB).slice(0, 32);
  elbName(lbName, fail);
  const type = inputs.loadBalancerType ?? "application";
  const azs = (inputs.subnets ?? []).map((s: string) => a.subnetById(s).availabilityZone);
  // "[Application Load Balancers] You must specify subnets from at least two Availability Zones"; one subnet per zone.
  if (type === "application" && new Set(azs).size < 2) {
    throw fail("ValidationError: At least two subnets in two different Availability Zones must be specified");
  }
  if (new Set(azs).size !== azs.length) {
    throw fail(
      "InvalidConfigurationRequest: A load balancer cannot be attached to multiple subnets in the same Availability Zone",
    );
  }
  for (const sg of inputs.securityGroups ?? []) if (!exists(a, SG, "id", sg)) throw fail(`InvalidSecurityGroup: ${sg}`);
  const suffix = `app/${lbName}/${sha("lb", name).slice(0, 16)}`;
  const lbArn = arn(a, "elasticloadbalancing", `loadbalancer/${suffix}`);
  const dnsName = `${inputs.internal ? "internal-" : ""}${lbName}-${
    parseInt(sha("dns", name).slice(0, 8), 16)
  }.${a.region}.elb.amazonaws.com`.toLowerCase();
  return { id: lbArn,
    computed: { name: lbName, arn: lbArn, arnSuffix: suffix, dnsName,
      zoneId: ALB_ZONE[a.region] ?? `Z${sha("zone", a.region).slice(0, 13).toUpperCase()}`, loadBalancerType: type } };
}

function targetGroup(a: Account, name: string, inputs: Record<string, any>, fail: Fail): Computed {
  const tgName: string = inputs.name ?? autoname(name, TG).slice(0, 32);
  elbName(tgName, fail);
  if (inputs.targetType !== "lambda") {
    if (!inRange(inputs.port, 1, 65535) || inputs.port === undefined) {
      throw fail(`ValidationError: port ${inputs.port}`);
    }
    if (!inputs.vpcId) throw fail("ValidationError: a VPC ID must be specified");
  }
  // ModifyTargetGroupAttributes: deregistration_delay.timeout_seconds "The range is 0-3600 seconds".
  if (!inRange(inputs.deregistrationDelay, 0, 3600)) {
    throw fail(`ValidationError: deregistration delay ${inputs.deregistrationDelay} (0-3600)`);
  }
  const hc = inputs.healthCheck ?? {};
  // CreateTargetGroup: interval 5–300, timeout 2–120, healthy and unhealthy thresholds 2–10; the timeout must be below the interval.
  if (!inRange(hc.interval, 5, 300) || !inRange(hc.timeout, 2, 120) || !inRange(hc.healthyThreshold, 2, 10)
    || !inRange(hc.unhealthyThreshold, 2, 10)) throw fail("ValidationError: health check setting out of range");
  if (hc.timeout !== undefined && hc.interval !== undefined && hc.timeout >= hc.interval) {
    throw fail("ValidationError: Health check timeout must be smaller than the interval");
  }
  if (hc.path !== undefined && (!String(hc.path).startsWith("/") || String(hc.path).length > 1024)) {
    throw fail(`ValidationError: health check path ${hc.path}`);
  }
  const suffix = `targetgroup/${tgName}/${sha("tg", name).slice(0, 16)}`;
  const tgArn = arn(a, "elasticloadbalancing", suffix);
  return { id: tgArn, computed: { name: tgName, arn: tgArn, arnSuffix: suffix } };
}

function listener(a: Account, name: string, inputs: Record<string, any>, fail: Fail): Computed {
  const lb = a.existing(LB, "arn", inputs.loadBalancerArn);
  if (!lb) throw fail(`LoadBalancerNotFound: ${inputs.loadBalancerArn}`);
  if (!inRange(inputs.port, 1, 65535)) throw fail(`ValidationError: port ${inputs.port}`);
  if (a.created(LISTENER).some((l) =>
    l.inputs.loadBalancerArn === inputs.loadBalancerArn && l.inputs.port === inputs.port
  )) throw fail(`DuplicateListener: port ${inputs.port}`);
  if (inputs.protocol === "HTTPS") {
    if (!inputs.certificateArn) throw fail("ValidationError: A certificate must be specified for HTTPS listeners");
    const cert = a.existing(CERT, "arn", inputs.certificateArn);
    if (!cert) throw fail(`CertificateNotFound: ${inputs.certificateArn}`);
  }
  for (const action of inputs.defaultActions ?? []) {
    if (action.type === "forward") {
      const tg = a.existing(TG, "arn", action.targetGroupArn);
      if (!tg) throw fail(`TargetGroupNotFound: ${action.targetGroupArn}`);
      // "A target group can be associated with one load balancer" (of type application).
      const other = a.created(LISTENER).find((l) =>
        JSON.stringify(l.inputs.defaultActions ?? []).includes(action.targetGroupArn)
        && l.inputs.loadBalancerArn !== inputs.loadBalancerArn
      );
      if (other) {
        throw fail(`ValidationError: target group ${action.targetGroupArn} is already used by another load balancer`);
      }
    } else if (action.type === "redirect") {
      if (!["HTTP_301", "HTTP_302"].includes(action.redirect?.statusCode)) {
        throw fail("ValidationError: redirect status code must be HTTP_301 or HTTP_302");
      }
    } else if (action.type !== "fixed-response") {
      throw fail(`ValidationError: action type ${action.type}`);
    }
  }
  const listenerArn = `${lb.state.arn.replace(":loadbalancer/", ":listener/")}/${sha("listener", name).slice(0, 16)}`;
  return { id: listenerArn, computed: { arn: listenerArn } };
}

// ---- ACM (Route 53 records: awsRoute53.ts) ----

/** RequestCertificate, DomainName: 1–253, `^(\*\.)?(((?!-)[A-Za-z0-9-]{0,62}[A-Za-z0-9])\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9])$`; at most 10 names per certificate (ACM quota). */
const ACM_NAME = /^(\*\.)?(((?!-)[A-Za-z0-9-]{0,62}[A-Za-z0-9])\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9])$/;

function certificate(a: Account, name: string, inputs: Record<string, any>, fail: Fail): Computed {
  const names: string[] = [inputs.domainName, ...(inputs.subjectAlternativeNames ?? [])];
  for (const n of names) {
    if (typeof n !== "string" || n.length > 253 || !ACM_NAME.test(n)) {
      throw fail(`ValidationException: domain name ${n}`);
    }
  }
  if (names.length > 10) throw fail("LimitExceededException: more than 10 domain names");
  if (inputs.validationMethod !== "DNS" && inputs.validationMethod !== "EMAIL") {
    throw fail(`ValidationException: validation method ${inputs.validationMethod}`);
  }
  const certArn = arn(a, "acm", `certificate/${uuidOf("cert", name)}`);
  // ACM gives a wildcard and its base name the same validation record.
  const domainValidationOptions = [...new Set(names)].map((n) => {
    const base = n.replace(/^\*\./, "");
    return { domainName: n, resourceRecordName: `_${sha("acm-name", base).slice(0, 32)}.${base}.`,
      resourceRecordType: "CNAME",
      resourceRecordValue: `_${sha("acm-value", base).slice(0, 32)}.acm-validations.aws.` };
  });
  return { id: certArn, computed: { arn: certArn, domainValidationOptions, status: "PENDING_VALIDATION" } };
}

/** aws_acm_certificate_validation: fails unless a record FQDN is given for every name's validation record. */
function certificateValidation(a: Account, name: string, inputs: Record<string, any>, fail: Fail): Computed {
  const cert = a.existing(CERT, "arn", inputs.certificateArn);
  if (!cert) throw fail(`ResourceNotFoundException: ${inputs.certificateArn}`);
  const given: string[] = (inputs.validationRecordFqdns ?? []).map((f: string) => f.replace(/\.$/, ""));
  for (const o of cert.state.domainValidationOptions) {
    if (!given.includes(o.resourceRecordName.replace(/\.$/, ""))) {
      throw fail(`missing ${o.domainName} DNS validation record: ${o.resourceRecordName}`);
    }
  }
  return { id: `${sha("validation", name).slice(0, 20)}`, computed: { certificateArn: inputs.certificateArn } };
}
/** Models of the load balancer and certificate resource types, by type token (merged into the mock's model table). */
export const ELB_MODELS: Record<string, Model> = {
  [LB]: loadBalancer,
  [TG]: targetGroup,
  [LISTENER]: listener,
  [CERT]: certificate,
  "aws:acm/certificateValidation:CertificateValidation": certificateValidation,
};
