/* eslint-disable @typescript-eslint/no-explicit-any -- provider inputs are untyped JSON here */
// What a resource model of the AWS mock is given and gives back: the account it creates in, how it
// refuses, and what it computes; and the helpers every model asks the account with. A leaf: the
// models (awsResources, awsEcs, awsElb, awsMonitoring, awsS3, …) import it, and awsResources
// registers them all.

/** A subnet the mock knows about. */
export interface MockSubnet {
  id: string;
  vpcId: string;
  availabilityZone: string;
  defaultForAz: boolean;
}

/** What a resource model may ask of the account it is created in. */
export interface Account {
  region: string;
  accountId: string;
  /** The deploying identity (GetCallerIdentity's Arn): the principal of every request the stack makes. */
  callerArn: string;
  defaultVpcId(): string;
  /** The first resource of `type` whose id (field "id") or output `field` equals `value`. */
  existing(type: string, field: string, value: unknown): { id?: string; inputs: Record<string, any>;
    state: Record<string, any> } | undefined;
  /** Resources of a type AWS has answered so far. */
  created(type: string): { id?: string; inputs: Record<string, any>; state: Record<string, any> }[];
  subnetById(id: string): MockSubnet;
  anySubnet(): MockSubnet;
  /** The name of a Route 53 hosted zone (lowercase, no final dot) when the mock was told it; undefined otherwise. */
  hostedZoneName(id: string): string | undefined;
}

export type Fail = (message: string) => Error;
export type Computed = { id: string; computed: Record<string, any> };

export type Model = (a: Account, name: string, inputs: Record<string, any>, fail: Fail, type: string) => Computed;

/** Whether the account has a resource of `type` whose id (field "id") or output `field` equals `value`. */
export const exists = (a: Account, type: string, field: string, value: unknown): boolean =>
  a.existing(type, field, value) !== undefined;

/** The ARN of a resource of the account (a global service's, as IAM's, names no region). */
export const arnOf = (a: Account, service: string, resource: string, global = false): string =>
  `arn:aws:${service}:${global ? "" : a.region}:${a.accountId}:${resource}`;

/** Undefined (the API's default), or an integer within [min, max]. */
export const inRange = (v: unknown, min: number, max: number): boolean =>
  v === undefined || (Number.isInteger(v) && (v as number) >= min && (v as number) <= max);
