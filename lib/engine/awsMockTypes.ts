/* eslint-disable @typescript-eslint/no-explicit-any -- provider inputs and outputs are untyped JSON here */
// The AWS mock's options and what it records of each registration, and the error it refuses with.
import type { MockSubnet } from "./awsResources";
import type { AwsDbInstance, AwsDbSnapshot } from "./awsRds";

export type { MockSubnet } from "./awsResources";
export type { AwsDbInstance, AwsDbSnapshot } from "./awsRds";

/** One resource the program registered, as the mock saw it. */
export interface MockResource {
  type: string;
  name: string;
  /** Inputs with secrets unwrapped (see secretInputs for which were secret). */
  inputs: Record<string, any>;
  /** What the mock returned as the resource's state (outputs). */
  state: Record<string, any>;
  id?: string;
  urn?: string;
  /** Top-level input names that arrived as secrets. */
  secretInputs: string[];
  /** Resource options as the engine saw them (captured from the register request). */
  options: RegistrationOptions;
}

export interface RegistrationOptions {
  custom: boolean;
  parent: string;
  protect: boolean;
  dependencies: string[];
  ignoreChanges: string[];
  additionalSecretOutputs: string[];
  retainOnDelete: boolean;
  /** The URN the engine gives the resource. */
  urn?: string;
}

export interface AwsMockOptions {
  region?: string;
  accountId?: string;
  /** The deploying identity's ARN as GetCallerIdentity returns it; default the IAM user `ci` of the account. */
  callerArn?: string;
  /** Extra subnets (e.g. the ids a test config names), so their AZs are known. */
  subnets?: MockSubnet[];
  /** Instance type → AZ names that do NOT offer it (as some zones lack some types); default: every AZ offers every type. */
  instanceTypeMissingIn?: Record<string, string[]>;
  /** AMI id → its architecture as DescribeImages reports it (x86_64 | arm64); default x86_64. */
  amiArchitectures?: Record<string, string>;
  /** Route 53 hosted zone id → its name (e.g. "example.com"), so records outside the zone are refused; unknown zones are not judged. */
  hostedZones?: Record<string, string>;
  /** DB snapshots that exist (DescribeDBSnapshots's shape); one whose ARN names another account is shared with this one. */
  rdsSnapshots?: AwsDbSnapshot[];
  /** DB instances that exist before the stack (DescribeDBInstances's shape), to adopt with the `import` option. */
  rdsInstances?: AwsDbInstance[];
  /** ECR repository name → the images already pushed to it (tag, push time in epoch seconds); default: none. */
  ecrImages?: Record<string, { tag: string; pushedAt: number }[]>;
}

/** An error AWS (or the provider's validation) would return, recorded on the mock too. */
export class AwsRejection extends Error {}
