// Where the stack lives: the default VPC (or a given one), the host's subnet, and a DB subnet group
// that spans at least two availability zones, as RDS requires.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { NetworkSettings } from "./config";

export interface NetworkArgs {
  /** VPC and subnet choices from the stack config. */
  settings: NetworkSettings;
  /** Tags for every taggable child. */
  tags: Record<string, string>;
  /** The host's instance type: the host goes only into an AZ that offers it. */
  hostInstanceType: string;
}

/** A subnet and the availability zone it lives in. */
export interface SubnetPlacement {
  id: string;
  availabilityZone: string;
}

/** Sorts subnets by AZ then id, so the same VPC always yields the same choice. */
export function sortSubnets(subnets: SubnetPlacement[]): SubnetPlacement[] {
  return [...subnets].sort((a, b) => a.availabilityZone.localeCompare(b.availabilityZone) || a.id.localeCompare(b.id));
}

/** The subnet ids for the DB subnet group; throws a clear error when they span fewer than 2 AZs. */
export function requireTwoAzs(subnets: SubnetPlacement[]): string[] {
  const azs = [...new Set(subnets.map((s) => s.availabilityZone))].sort();
  if (azs.length < 2) {
    const listed = subnets.map((s) => `${s.id} (${s.availabilityZone})`).join(", ") || "none";
    throw new Error(
      `The DB subnets span ${azs.length} availability zone(s) [${listed}], but an RDS subnet group needs at least 2. `
        + "Fix: set compose-on-ec2:dbSubnetIds (with vpcId) to subnets in two or more AZs.",
    );
  }
  return sortSubnets(subnets).map((s) => s.id);
}

/**
 * The host's subnet: the first (by AZ, then id) in an AZ that offers the instance type. AZ names map
 * to different physical zones per account, and some zones lack some types (e.g. t3 in use1-az3), so
 * "the first AZ" alone can fail at launch with "Unsupported … in your requested Availability Zone".
 */
export function pickHostSubnet(subnets: SubnetPlacement[], offeredAzs: string[], instanceType: string): string {
  if (subnets.length === 0) {
    throw new Error("No subnets found for the host. Fix: set compose-on-ec2:vpcId and subnetIds to a public subnet.");
  }
  const usable = sortSubnets(subnets).filter((s) => offeredAzs.includes(s.availabilityZone));
  if (usable.length === 0) {
    const azs = [...new Set(subnets.map((s) => s.availabilityZone))].sort().join(", ");
    throw new Error(
      `compose-on-ec2:instanceType = "${instanceType}" is not offered in the host subnets' AZs (${azs}). `
        + "Fix: choose another instanceType (e.g. the t3a or t4g family), or set subnetIds to subnets in an AZ that offers it.",
    );
  }
  return usable[0].id;
}

/**
 * The load balancer's and Fargate tasks' subnets: one per AZ (the first by id), in the first
 * LOAD_BALANCER_AZS zones. Two is the ALB's minimum; each more AZ adds a public IPv4 address the ALB
 * is billed for by the hour, for a site that already survives one AZ's loss with two.
 */
export function onePerAz(subnets: SubnetPlacement[], zones = LOAD_BALANCER_AZS): string[] {
  const seen = new Set<string>();
  return sortSubnets(subnets).filter((s) => !seen.has(s.availabilityZone) && seen.add(s.availabilityZone)).slice(0,
    zones).map((s) => s.id);
}
export const LOAD_BALANCER_AZS = 2;

export class Network extends pulumi.ComponentResource {
  /** The VPC everything is placed in. */
  readonly vpcId: pulumi.Output<string>;
  /** The public subnet the host is placed in. */
  readonly hostSubnetId: pulumi.Output<string>;
  /** The public subnets, one per AZ (the load balancer and the Fargate tasks of an ecs stack). */
  readonly publicSubnetIds: pulumi.Output<string[]>;
  /** The subnets covered by the DB subnet group (≥ 2 AZs). */
  readonly dbSubnetIds: pulumi.Output<string[]>;
  /** Name of the RDS subnet group. */
  readonly dbSubnetGroupName: pulumi.Output<string>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("compose-on-ec2:network:Network", name, {}, opts);
    const { settings } = args;
    const invokeOpts = { parent: this };

    this.vpcId = settings.vpcId
      ? pulumi.output(settings.vpcId)
      : aws.ec2.getVpcOutput({ default: true }, invokeOpts).id;

    // The default VPC's default-for-AZ subnets are public; in a given VPC the user should name subnets.
    const subnetIds = settings.subnetIds
      ? pulumi.output(settings.subnetIds)
      : aws.ec2.getSubnetsOutput(
        {
          filters: [
            { name: "vpc-id", values: [this.vpcId] },
            ...(settings.vpcId ? [] : [{ name: "default-for-az", values: ["true"] }]),
          ],
        },
        invokeOpts,
      ).ids;
    const describe = (ids: string[]) =>
      Promise.all([...ids].sort().map(async (id) => {
        const s = await aws.ec2.getSubnet({ id }, invokeOpts);
        return { id: s.id, availabilityZone: s.availabilityZone };
      }));
    const hostSubnets = subnetIds.apply(describe);

    const offeredAzs = aws.ec2.getInstanceTypeOfferingsOutput(
      { locationType: "availability-zone", filters: [{ name: "instance-type", values: [args.hostInstanceType] }] },
      invokeOpts,
    ).locations;
    this.hostSubnetId = pulumi
      .all([hostSubnets, offeredAzs])
      .apply(([subnets, azs]) => pickHostSubnet(subnets, azs, args.hostInstanceType));
    this.publicSubnetIds = hostSubnets.apply((s) => onePerAz(s));
    const dbSubnets = settings.dbSubnetIds ? pulumi.output(settings.dbSubnetIds).apply(describe) : hostSubnets;
    this.dbSubnetIds = dbSubnets.apply(requireTwoAzs);

    const subnetGroup = new aws.rds.SubnetGroup(
      `${name}-db`,
      { description: `RDS subnets of ${name} (managed by Pulumi)`, subnetIds: this.dbSubnetIds, tags: args.tags },
      { parent: this },
    );
    this.dbSubnetGroupName = subnetGroup.name;

    this.registerOutputs({ vpcId: this.vpcId, hostSubnetId: this.hostSubnetId, dbSubnetIds: this.dbSubnetIds,
      dbSubnetGroupName: this.dbSubnetGroupName });
  }
}
