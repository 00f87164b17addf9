// The front door of an ecs stack: an internet-facing Application Load Balancer, the web tasks' target
// group (health-checked on the app's health path, drained for as long as the app finishes requests),
// and the listeners. With a domain and a Route 53 hosted zone: an ACM certificate validated through
// DNS, HTTPS on 443, HTTP redirected to HTTPS (the site's alias records to it: siteDns.ts). Without one:
// plain HTTP on 80 (the plan and the `url` output say so).
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

export interface WebLoadBalancerArgs {
  vpcId: pulumi.Input<string>;
  /** Public subnets, one per AZ, in at least two AZs (an ALB needs two). */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** The load balancer's security group (HTTP(S) from httpCidrs, egress to the tasks only). */
  securityGroupId: pulumi.Input<string>;
  /** The tasks' web port. */
  targetPort: number;
  /** The app's health path (answers 200 when the app and its database are up). */
  healthPath: string;
  /** Seconds a deregistering task keeps receiving its in-flight requests' answers. */
  deregistrationDelaySeconds: number;
  /** Host names (first primary); with hostedZoneId they get a certificate and alias records. */
  domain: string[];
  hostedZoneId?: string;
  tags: Record<string, string>;
}

/** A current TLS policy of ELB: TLS 1.3 and 1.2 with forward secrecy only. */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/**
 * How long a task stays registered after ECS decides to stop it (target group deregistration delay).
 * ECS deregisters first, waits this long, then sends SIGTERM: it must cover the longest request the
 * app still answers, which the compose file states as stop_grace_period (sized for gunicorn's
 * graceful timeout: 30 s for 25 s). ELB allows 0..3600; AWS's default of 300 s would only slow deploys.
 */
export function deregistrationDelaySeconds(stopTimeout: number | undefined): number {
  return Math.min(3600, Math.max(stopTimeout ?? DEFAULT_STOP_TIMEOUT, 1));
}
/** ECS's stopTimeout when a container sets none. */
const DEFAULT_STOP_TIMEOUT = 30;

/** The names that need a DNS validation record of their own: a wildcard shares its base name's record. */
export function validationNames(domain: string[]): string[] {
  return [...new Set(domain.map((d) => d.replace(/^\*\./, "")))];
}

/**
 * The DNS records a user without a hosted zone creates by hand, one line per name: `<name> <type>
 * <value>` (a CNAME to the load balancer's name; an A record to the ec2 host's address).
 */
export function manualDnsRecords(domain: string[], value: string, type: "CNAME" | "A" = "CNAME"): string[] {
  return domain.map((d) => `${d} ${type} ${value}`);
}

export class WebLoadBalancer extends pulumi.ComponentResource {
  readonly dnsName: pulumi.Output<string>;
  /** The load balancer's Route 53 zone (what an alias record to it names). */
  readonly zoneId: pulumi.Output<string>;
  readonly arnSuffix: pulumi.Output<string>;
  readonly targetGroupArn: pulumi.Output<string>;
  /** The target group's CloudWatch dimension (TargetGroup: "targetgroup/<name>/<id>"). */
  readonly targetGroupArnSuffix: pulumi.Output<string>;
  /** The listener the service must wait for (a target group serves only once a listener uses it). */
  readonly listener: aws.lb.Listener;
  /** true when HTTPS is served (a domain and a hosted zone). */
  readonly https: boolean;
  /** https://<primary name>, or http://<load balancer name> without a certificate. */
  readonly url: pulumi.Output<string>;
  /** Records to create by hand (a domain without a hosted zone); [] otherwise. */
  readonly dnsRecordsToCreate: pulumi.Output<string[]>;

  constructor(name: string, args: WebLoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("compose-on-ec2:loadBalancer:WebLoadBalancer", name, {}, opts);
    const parent = { parent: this };
    const alb = new aws.lb.LoadBalancer(
      `${name}-alb`,
      {
        loadBalancerType: "application",
        internal: false,
        securityGroups: [args.securityGroupId],
        subnets: args.subnetIds,
        // Requests with malformed headers are dropped instead of passed to the app.
        dropInvalidHeaderFields: true,
        idleTimeout: 60,
        tags: args.tags,
      },
      parent,
    );
    const targets = new aws.lb.TargetGroup(
      `${name}-web`,
      {
        vpcId: args.vpcId,
        port: args.targetPort,
        protocol: "HTTP",
        targetType: "ip",
        deregistrationDelay: args.deregistrationDelaySeconds,
        healthCheck: { path: args.healthPath, matcher: "200", interval: 15, timeout: 5, healthyThreshold: 2,
          unhealthyThreshold: 3 },
        tags: args.tags,
      },
      parent,
    );
    const forward = [{ type: "forward", targetGroupArn: targets.arn }];
    this.https = args.domain.length > 0 && args.hostedZoneId !== undefined;
    if (this.https) {
      const certificateArn = this.certificate(name, args);
      this.listener = new aws.lb.Listener(`${name}-https`, { loadBalancerArn: alb.arn, port: 443, protocol: "HTTPS",
        sslPolicy: TLS_POLICY, certificateArn, defaultActions: forward, tags: args.tags }, parent);
      new aws.lb.Listener(
        `${name}-http`,
        { loadBalancerArn: alb.arn, port: 80, protocol: "HTTP",
          defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
          tags: args.tags },
        parent,
      );
    } else {
      this.listener = new aws.lb.Listener(`${name}-http`, { loadBalancerArn: alb.arn, port: 80, protocol: "HTTP",
        defaultActions: forward, tags: args.tags }, parent);
    }
    this.dnsName = alb.dnsName;
    this.zoneId = alb.zoneId;
    this.arnSuffix = alb.arnSuffix;
    this.targetGroupArn = targets.arn;
    this.targetGroupArnSuffix = targets.arnSuffix;
    this.url = this.https ? pulumi.output(`https://${args.domain[0]}`) : pulumi.interpolate`http://${alb.dnsName}`;
    this.dnsRecordsToCreate = args.domain.length > 0 && args.hostedZoneId === undefined
      ? alb.dnsName.apply((n) => manualDnsRecords(args.domain, n))
      : pulumi.output([]);
    this.registerOutputs({ dnsName: this.dnsName, targetGroupArn: this.targetGroupArn, url: this.url,
      dnsRecordsToCreate: this.dnsRecordsToCreate });
  }

  /** ACM certificate for the names, validated through records in the hosted zone; resolves once issued. */
  private certificate(name: string, args: WebLoadBalancerArgs): pulumi.Output<string> {
    const [primary, ...others] = args.domain;
    const cert = new aws.acm.Certificate(
      `${name}-cert`,
      { domainName: primary, subjectAlternativeNames: others, validationMethod: "DNS", tags: args.tags },
      // A changed name list needs a new certificate before the listener lets go of the old one.
      { parent: this, deleteBeforeReplace: false },
    );
    const records = validationNames(args.domain).map((base, i) => {
      const option = cert.domainValidationOptions.apply((all) => {
        const found = all.find((o) => o.domainName === base || o.domainName === `*.${base}`);
        if (!found) throw new Error(`ACM returned no validation record for ${base}`);
        return found;
      });
      return new aws.route53.Record(
        `${name}-validation-${i}`,
        {
          zoneId: args.hostedZoneId!,
          name: option.resourceRecordName,
          type: option.resourceRecordType,
          records: [option.resourceRecordValue],
          ttl: 300,
          // ACM gives a wildcard and its base the same record; another stack may have created it too.
          allowOverwrite: true,
        },
        { parent: this },
      );
    });
    const validation = new aws.acm.CertificateValidation(`${name}-cert-validation`, { certificateArn: cert.arn,
      validationRecordFqdns: records.map((r) => r.fqdn) }, { parent: this });
    return validation.certificateArn;
  }
}
