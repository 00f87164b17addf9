// AWS facts the settings are judged against: regions, instance families, tag rules, quotas.
// Written from AWS's documentation; each fact appears here once.
import type { Arch } from "./types";

/** Regions the stack can be deployed to (AWS commercial partition). */
export const AWS_REGIONS: readonly string[] = [
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "ca-central-1",
  "ca-west-1",
  "mx-central-1",
  "sa-east-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-central-1",
  "eu-central-2",
  "eu-north-1",
  "eu-south-1",
  "eu-south-2",
  "af-south-1",
  "il-central-1",
  "me-south-1",
  "me-central-1",
  "ap-east-1",
  "ap-east-2",
  "ap-south-1",
  "ap-south-2",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ap-southeast-4",
  "ap-southeast-5",
  "ap-southeast-7",
];

import ec2InstanceTypes from "./ec2InstanceTypes.json";

const STANDARD_SIZES = ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge",
  "32xlarge", "48xlarge", "metal"];

/**
 * An instance family's architecture, from AWS's naming convention: a `g` among the attributes after the
 * generation digit means AWS Graviton (arm64): c7g, c7gn, x2gd, im4gn, is4gen, g5g, t4g; a1 is the
 * first Graviton. Everything else is x86_64. (Amazon EC2 instance type naming conventions,
 * https://docs.aws.amazon.com/ec2/latest/instancetypes/instance-type-names.html; the Graviton
 * families as listed by aws/aws-graviton-getting-started README.)
 */
export function familyArch(family: string): Arch {
  if (family === "a1") return "arm64";
  const m = /^[a-z]+\d+(.*)$/.exec(family);
  return m && m[1].includes("g") ? "arm64" : "x86_64";
}

/**
 * EC2 families we accept, with their sizes and architecture: every family in AWS's published list of
 * instance types (ec2InstanceTypes.json names the source and date), except mac*, which run macOS on
 * dedicated hosts only.
 */
export const EC2_FAMILIES: Record<string, { arch: Arch; sizes: string[] }> = Object.fromEntries(
  Object.entries(ec2InstanceTypes.families as Record<string, string[]>)
    .filter(([family]) => !family.startsWith("mac"))
    .map(([family, sizes]) => [family, { arch: familyArch(family), sizes }]),
);

/** RDS instance families we accept (db.<family>.<size>). */
export const DB_FAMILIES: Record<string, string[]> = {
  t3: ["micro", "small", "medium", "large", "xlarge", "2xlarge"],
  t4g: ["micro", "small", "medium", "large", "xlarge", "2xlarge"],
  ...Object.fromEntries(
    ["m5", "m6i", "m6g", "m7g", "m7i", "m8g", "r5", "r6i", "r6g", "r7g", "r7i", "r8g"].map((
      f,
    ) => [f, STANDARD_SIZES.filter((s) => s !== "metal")]),
  ),
};

/** Architecture of an instance type's family, or undefined when the family is unknown. */
export function archOf(instanceType: string): Arch | undefined {
  return EC2_FAMILIES[instanceType.split(".")[0]]?.arch;
}

/** AWS resource tag rules (the same for EC2, RDS, ECR and IAM). */
export const TAG_RULES = {
  /** Tags per resource, the stack's own included. */
  maxTags: 50,
  maxKeyLength: 128,
  maxValueLength: 256,
  /** Letters, digits and spaces in any script, and + - = . _ : / @. */
  allowed: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u,
  allowedText: "letters, digits, spaces and + - = . _ : / @",
  reservedPrefix: "aws:",
} as const;

/** Default quota of inbound rules per security group, counted separately for IPv4 and IPv6. */
export const SECURITY_GROUP_INBOUND_RULES_PER_FAMILY = 60;

/** Retention values CloudWatch Logs accepts (PutRetentionPolicy); "never expire" is deliberately not offered. */
export const LOG_RETENTION_DAYS: readonly number[] = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
  1096, 1827, 2192, 2557, 2922, 3288, 3653];
