// Section parser: where the stack lives (VPC and subnets).
import type { Reader } from "./reader";
import type { NetworkSettings } from "./types";

const AWS_ID = (prefix: string) => new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`);

function ids(r: Reader, key: string, prefix: string): string[] | undefined {
  const list = r.list(key);
  for (const id of list ?? []) {
    if (!AWS_ID(prefix).test(id)) {
      r.bad(key, id, `is not a ${prefix} id (${prefix}- followed by 8 or 17 lowercase hex digits)`,
        `use the id shown by \`aws ec2 describe-${prefix}s\``);
    }
  }
  const seen = new Set<string>();
  for (const id of list ?? []) {
    if (seen.has(id)) r.bad(key, id, "is listed twice", "list each subnet once");
    seen.add(id);
  }
  return list;
}

export function parseNetwork(r: Reader): NetworkSettings {
  const vpcId = r.string("vpcId");
  if (vpcId !== undefined && !AWS_ID("vpc").test(vpcId)) {
    r.bad("vpcId", vpcId, "is not a VPC id (vpc- followed by 8 or 17 lowercase hex digits)",
      "use the id shown by `aws ec2 describe-vpcs`, or unset it for the default VPC");
  }
  const subnetIds = ids(r, "subnetIds", "subnet");
  const dbSubnetIds = ids(r, "dbSubnetIds", "subnet");
  if (dbSubnetIds !== undefined && dbSubnetIds.length < 2) {
    r.bad("dbSubnetIds", dbSubnetIds,
      "has fewer than 2 subnets; an RDS subnet group must span at least 2 availability zones",
      "list subnets in at least two AZs, or unset it");
  }
  if ((subnetIds || dbSubnetIds) && !vpcId) {
    r.bad(subnetIds ? "subnetIds" : "dbSubnetIds", subnetIds ?? dbSubnetIds, "is set without vpcId",
      "also set vpcId to the VPC these subnets belong to");
  }
  return { vpcId, subnetIds, dbSubnetIds };
}
