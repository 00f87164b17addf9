/* eslint-disable @typescript-eslint/no-explicit-any -- provider inputs and call arguments are untyped JSON here */
// A Pulumi mock that behaves like AWS where it matters to this project: it computes the outputs AWS
// computes (awsResources.ts), answers the data-source calls the program makes, and REJECTS what AWS
// (or the provider) rejects, by AWS's documented rules (awsRules.ts), so a run catches real mistakes.
// Resource types it does not model (random, tls, command, docker, components) get their inputs back
// plus plausible computed fields (otherProviders.ts). The same program gives the same outputs each run.
import * as pulumi from "@pulumi/pulumi";
import { sessionContext } from "./awsKms";
import { Account, MockSubnet, computeAws, sha } from "./awsResources";
import { computeOther } from "./otherProviders";
import { AwsDbInstance, AwsDbSnapshot, importDbInstance, lookUpSnapshot, restorableSnapshot } from "./awsRds";
import { isSecretValue, secretValue, unwrapSecrets } from "./secrets";

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

const AZ_LETTERS = "abcdef";
/** Computed fields that hold AWS's fixed values (the same in every account), not made-up ids. */
const FIXED_FIELDS = new Set(["hostedZoneId", "status", "instanceState", "engineVersionActual", "storageType", "domain", "availabilityZone"]);
const RDS_INSTANCE = "aws:rds/instance:Instance";

export class AwsMock implements pulumi.runtime.Mocks, Account {
  /** Region the mock answers for; runProgram sets it from aws:region. */
  region: string;
  readonly accountId: string;
  readonly callerArn: string;
  resources: MockResource[] = [];
  calls: { token: string; args: Record<string, any> }[] = [];
  /** Every rejection thrown, so a run can fail even when nobody awaited the rejected resource. */
  errors: string[] = [];
  /** Function tokens the mock has no model for (answered with their inputs). */
  unmockedCalls: string[] = [];
  /**
   * Every value the mock made up in AWS's place (ids, ARNs, addresses, DNS names, looked-up AMIs) → what
   * it stands for. Deterministic stand-ins that tests can assert on, but no fact about a real
   * account: the plan shows each as unknown until `up` (scripts/lib/plan/unknowns.ts).
   */
  invented = new Map<string, string>();
  /** Parallelism probe: when set, these resource types are held until all of them are registered. */
  gate?: { types: string[]; timeoutMs: number; outcome?: "all-in-flight" | "timed-out" };

  private subnets = new Map<string, MockSubnet>();
  private pendingOptions = new Map<string, RegistrationOptions>();
  private gateWaiters: (() => void)[] = [];
  private inFlight = 0;

  constructor(private readonly opts: AwsMockOptions = {}) {
    this.region = opts.region ?? "us-east-1";
    this.accountId = opts.accountId ?? "123456789012";
    this.callerArn = opts.callerArn ?? `arn:aws:iam::${this.accountId}:user/ci`;
    this.reset();
  }

  /** Forgets everything recorded; keeps the constructor options. */
  reset(): void {
    this.resources = [];
    this.calls = [];
    this.errors = [];
    this.unmockedCalls = [];
    this.invented = new Map();
    this.subnets = new Map();
    this.pendingOptions = new Map();
    this.gateWaiters = [];
    this.inFlight = 0;
    if (this.gate) this.gate.outcome = undefined;
    for (const s of this.subnetsOfVpc(this.defaultVpcId(), true)) this.subnets.set(s.id, s);
    for (const s of this.opts.subnets ?? []) this.subnets.set(s.id, s);
  }

  /** Number of resource registrations still being answered. */
  get pending(): number {
    return this.inFlight;
  }

  defaultVpcId(): string {
    return `vpc-${sha("default-vpc", this.region).slice(0, 17)}`;
  }

  /** The resources of one type (e.g. "aws:rds/instance:Instance"). */
  ofType(type: string): MockResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  /** The single resource of a type (and name, when given); throws when there are none or several. */
  one(type: string, name?: string): MockResource {
    const found = this.ofType(type).filter((r) => name === undefined || r.name === name);
    if (found.length !== 1) throw new Error(`expected exactly one ${type}${name ? ` named ${name}` : ""}, found ${found.length}`);
    return found[0];
  }

  /** Called by the registration hook for every register request, before newResource, with the engine-level options. */
  recordOptions(type: string, name: string, options: RegistrationOptions): void {
    this.pendingOptions.set(`${type}::${name}`, options);
  }

  // ---- Account (what the resource models may ask) ----

  existing(type: string, field: string, value: unknown): MockResource | undefined {
    return this.resources.find((r) => r.type === type && (field === "id" ? r.id : r.state[field]) === value);
  }

  created(type: string): MockResource[] {
    return this.resources.filter((r) => r.type === type && r.id !== undefined);
  }

  hostedZoneName(id: string): string | undefined {
    const name = this.opts.hostedZones?.[id];
    return name === undefined ? undefined : name.replace(/\.$/, "").toLowerCase();
  }

  subnetById(id: string): MockSubnet {
    const known = this.subnets.get(id);
    if (known) return known;
    if (!/^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id ?? "")) throw this.reject("subnet", `InvalidSubnetID.Malformed: ${id}`);
    // An id the test did not declare: place it deterministically.
    const s = { id, vpcId: "vpc-unknown", availabilityZone: `${this.region}${"abc"[parseInt(sha(id).slice(0, 2), 16) % 3]}`, defaultForAz: false };
    this.subnets.set(id, s);
    return s;
  }

  anySubnet(): MockSubnet {
    return [...this.subnets.values()][0];
  }

  // ---- Function calls ----

  call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
    const inputs = unwrapSecrets(args.inputs ?? {});
    this.calls.push({ token: args.token, args: inputs });
    const answer = this.answer(args.token, inputs);
    if (answer !== undefined) return answer;
    this.unmockedCalls.push(args.token);
    return inputs;
  }

  private answer(token: string, inputs: Record<string, any>): Record<string, any> | undefined {
    const azs = [0, 1, 2].map((i) => `${this.region}${AZ_LETTERS[i]}`);
    switch (token) {
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return { accountId: this.accountId, arn: this.callerArn, userId: "AIDAMOCKUSER", id: this.accountId };
      case "aws:iam/getSessionContext:getSessionContext":
        return sessionContext(inputs.arn);
      case "aws:index/getRegion:getRegion":
        return { name: this.region, region: this.region, id: this.region, endpoint: `ec2.${this.region}.amazonaws.com`, description: this.region };
      case "aws:index/getPartition:getPartition":
        return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws", reverseDnsPrefix: "com.amazonaws" };
      case "aws:index/getAvailabilityZones:getAvailabilityZones":
        return { names: azs, zoneIds: [0, 1, 2].map((i) => `use1-az${i + 1}`), id: this.region, groupNames: [this.region] };
      case "aws:ec2/getVpc:getVpc": {
        const id = inputs.id ?? (inputs.default ? this.defaultVpcId() : undefined);
        if (!id) throw this.reject(token, "no matching EC2 VPC found (give id or default: true)");
        const isDefault = id === this.defaultVpcId();
        return { id, cidrBlock: isDefault ? "172.31.0.0/16" : "10.0.0.0/16", default: isDefault, arn: `arn:aws:ec2:${this.region}:${this.accountId}:vpc/${id}`, ownerId: this.accountId, state: "available", ipv6CidrBlock: "" };
      }
      case "aws:ec2/getSubnets:getSubnets": {
        const filters: { name: string; values: string[] }[] = inputs.filters ?? [];
        const vpcIds = filters.find((f) => f.name === "vpc-id")?.values;
        const defaultOnly = filters.find((f) => f.name === "default-for-az")?.values?.includes("true");
        for (const v of vpcIds ?? []) for (const s of this.subnetsOfVpc(v, v === this.defaultVpcId())) if (!this.subnets.has(s.id)) this.subnets.set(s.id, s);
        const ids = [...this.subnets.values()].filter((s) => (!vpcIds || vpcIds.includes(s.vpcId)) && (!defaultOnly || s.defaultForAz)).map((s) => s.id);
        return { ids, filters, id: this.region };
      }
      case "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings": {
        if (inputs.locationType !== "availability-zone") throw this.reject(token, "this model answers locationType availability-zone only");
        const types: string[] = (inputs.filters ?? []).find((f: { name: string }) => f.name === "instance-type")?.values ?? [];
        const offers = types.flatMap((t) => azs.filter((a) => !(this.opts.instanceTypeMissingIn?.[t] ?? []).includes(a)).map((a) => ({ t, a })));
        return { id: this.region, instanceTypes: offers.map((o) => o.t), locations: offers.map((o) => o.a), locationTypes: offers.map(() => "availability-zone"), locationType: "availability-zone", filters: inputs.filters, region: this.region };
      }
      case "aws:ec2/getSubnet:getSubnet": {
        const s = this.subnetById(inputs.id);
        return { id: s.id, vpcId: s.vpcId, availabilityZone: s.availabilityZone, defaultForAz: s.defaultForAz, cidrBlock: "172.31.0.0/20", mapPublicIpOnLaunch: true, arn: `arn:aws:ec2:${this.region}:${this.accountId}:subnet/${s.id}` };
      }
      case "aws:ec2/getAmi:getAmi": {
        // DescribeImages by image id: the image's own Architecture (x86_64, arm64, …).
        const id = (inputs.filters ?? []).find((f: { name: string }) => f.name === "image-id")?.values?.[0];
        if (!id) throw this.reject(token, "this model answers an image-id filter only");
        return { id, imageId: id, architecture: this.opts.amiArchitectures?.[id] ?? "x86_64", state: "available", filters: inputs.filters, mostRecent: inputs.mostRecent ?? false };
      }
      case "aws:rds/getSnapshot:getSnapshot": {
        const found = lookUpSnapshot(this.opts.rdsSnapshots ?? [], this.accountId, inputs);
        if (typeof found === "string") throw this.reject(token, found);
        return found;
      }
      case "aws:ssm/getParameter:getParameter": {
        const answer = this.amiParameter(token, inputs.name ?? "");
        this.invented.set(answer.value, "AMI, looked up at up");
        return answer;
      }
      case "aws:iam/getPolicyDocument:getPolicyDocument": {
        const statements = (inputs.statements ?? []).map((s: Record<string, any>) => ({
          Effect: s.effect ?? "Allow",
          Action: s.actions,
          Resource: s.resources,
          Principal: s.principals ? Object.fromEntries(s.principals.map((p: { type: string; identifiers: string[] }) => [p.type, p.identifiers])) : undefined,
        }));
        return { json: JSON.stringify({ Version: "2012-10-17", Statement: statements }), id: "policy" };
      }
      default:
        return this.answerEcr(token, inputs);
    }
  }

  /** The ECR data sources: the registry's login, a repository's tags, one tag's image. */
  private answerEcr(token: string, inputs: Record<string, any>): Record<string, any> | undefined {
    switch (token) {
      case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
        return { authorizationToken: Buffer.from("AWS:mock-token").toString("base64"), userName: "AWS", password: "mock-token", proxyEndpoint: `https://${this.accountId}.dkr.ecr.${this.region}.amazonaws.com`, expiresAt: "2030-01-01T00:00:00Z", id: this.region };
      // ListImages: one entry per tag; an empty (or new) repository lists nothing.
      case "aws:ecr/getImages:getImages": {
        const images = this.opts.ecrImages?.[inputs.repositoryName] ?? [];
        return { repositoryName: inputs.repositoryName, registryId: this.accountId, region: this.region, id: inputs.repositoryName, imageIds: images.map((i) => ({ imageTag: i.tag, imageDigest: `sha256:${sha("ecr", inputs.repositoryName, i.tag)}` })) };
      }
      // DescribeImages of one tag: ImageNotFoundException when the repository has no such tag.
      case "aws:ecr/getImage:getImage": {
        const found = (this.opts.ecrImages?.[inputs.repositoryName] ?? []).find((i) => i.tag === inputs.imageTag);
        if (!found) throw this.reject(token, `ImageNotFoundException: the image with imageId {imageTag:'${String(inputs.imageTag)}'} does not exist within the repository with name '${String(inputs.repositoryName)}'`);
        return {
          repositoryName: inputs.repositoryName, registryId: this.accountId, imageTag: found.tag, imageTags: [found.tag], imagePushedAt: found.pushedAt,
          imageDigest: `sha256:${sha("ecr", inputs.repositoryName, found.tag)}`, imageSizeInBytes: 1, imageUri: `${this.accountId}.dkr.ecr.${this.region}.amazonaws.com/${String(inputs.repositoryName)}:${found.tag}`, id: found.tag,
        };
      }
      default:
        return undefined;
    }
  }

  /** The public SSM parameters AWS publishes for AMIs (Amazon Linux 2023, Canonical's Ubuntu). */
  private amiParameter(token: string, name: string): Record<string, any> {
    const known =
      /^\/aws\/service\/ami-amazon-linux-latest\/al2023-ami-kernel-(default|6\.\d+)-(x86_64|arm64)$/.test(name) ||
      /^\/aws\/service\/canonical\/ubuntu\/server\/(22\.04|24\.04)\/stable\/current\/(amd64|arm64)\/hvm\/ebs-gp3\/ami-id$/.test(name);
    if (!known) throw this.reject(token, `ParameterNotFound: ${name}`);
    return { name, value: `ami-${sha("ami", this.region, name).slice(0, 17)}`, type: "String", version: 1, arn: `arn:aws:ssm:${this.region}::parameter${name}`, id: name, insecureValue: "" };
  }

  // ---- Resources ----

  async newResource(args: pulumi.runtime.MockResourceArgs): Promise<{ id: string | undefined; state: Record<string, any> }> {
    this.inFlight++;
    try {
      const raw = (args.inputs ?? {}) as Record<string, any>;
      const inputs = unwrapSecrets(raw) as Record<string, any>;
      const options = this.pendingOptions.get(`${args.type}::${args.name}`) ?? {
        custom: args.custom ?? true, parent: "", protect: false, dependencies: [], ignoreChanges: [], additionalSecretOutputs: [], retainOnDelete: false,
      };
      const record: MockResource = {
        type: args.type, name: args.name, inputs, state: {}, options, urn: options.urn,
        secretInputs: Object.keys(raw).filter((k) => isSecretValue(raw[k])),
      };
      this.resources.push(record);
      await this.holdAtGate(args.type);
      const { id, computed } = args.type === RDS_INSTANCE && args.id ? this.importDb(args.name, args.id, inputs, options) : this.compute(args.type, args.name, inputs, args.custom !== false);
      if (args.type.startsWith("aws:")) this.recordInvented(args.name, inputs, { id, ...computed });
      // Outputs echo the inputs (secrets stay wrapped) plus what AWS computes; the engine marks
      // additionalSecretOutputs secret, so the mock does too.
      const state: Record<string, any> = { ...raw, ...computed };
      for (const k of options.additionalSecretOutputs) if (k in state && !isSecretValue(state[k])) state[k] = secretValue(state[k]);
      record.state = state;
      record.id = id;
      return { id, state };
    } finally {
      this.inFlight--;
    }
  }

  /**
   * The `import` option on an RDS instance: the SDK's mock monitor hands the import id to newResource as
   * `id` (pulumi/pulumi sdk/nodejs/runtime/mocks.ts, registerResource: `id: req.getImportid()`), and the
   * engine reads the existing instance instead of creating one (awsRds.ts).
   */
  private importDb(name: string, id: string, inputs: Record<string, any>, options: RegistrationOptions): { id: string; computed: Record<string, any> } {
    const result = importDbInstance(this.opts.rdsInstances ?? [], id, inputs, options.ignoreChanges);
    if ("problem" in result) throw this.reject(`${RDS_INSTANCE} "${name}" (import ${id})`, result.problem);
    const i = result.instance;
    return {
      id: i.DbiResourceId,
      computed: {
        identifier: i.DBInstanceIdentifier, address: i.Endpoint.Address, port: i.Endpoint.Port, endpoint: `${i.Endpoint.Address}:${i.Endpoint.Port}`,
        arn: i.DBInstanceArn, resourceId: i.DbiResourceId, hostedZoneId: i.Endpoint.HostedZoneId, status: i.DBInstanceStatus,
        engineVersionActual: i.EngineVersion, storageType: i.StorageType,
      },
    };
  }

  private compute(type: string, name: string, inputs: Record<string, any>, custom: boolean): { id: string | undefined; computed: Record<string, any> } {
    if (!custom) return { id: undefined, computed: {} };
    const fail = (message: string) => this.reject(`${type} "${name}"`, message);
    // RestoreDBInstanceFromDBSnapshot: the snapshot must exist and be visible to this account.
    if (type === RDS_INSTANCE && inputs.snapshotIdentifier && !restorableSnapshot(this.opts.rdsSnapshots ?? [], this.accountId, inputs.snapshotIdentifier)) {
      throw fail(`DBSnapshotNotFound: DBSnapshot ${inputs.snapshotIdentifier} not found`);
    }
    return computeAws(this, type, name, inputs, fail) ?? computeOther(type, name, inputs);
  }

  /** Marks the made-up identifiers among what the model computed (not echoed inputs, not fixed words like "available"). */
  private recordInvented(name: string, inputs: Record<string, any>, computed: Record<string, any>): void {
    const given = new Set(Object.values(inputs).filter((v) => typeof v === "string"));
    for (const [field, value] of Object.entries(computed)) {
      if (typeof value !== "string" || given.has(value) || this.invented.has(value) || FIXED_FIELDS.has(field)) continue;
      if (value.length >= 7 && /\d/.test(value)) this.invented.set(value, `${name} ${field}, known after up`);
    }
  }

  private async holdAtGate(type: string): Promise<void> {
    const gate = this.gate;
    if (!gate || !gate.types.includes(type)) return;
    const seen = () => gate.types.every((t) => this.resources.some((r) => r.type === t));
    if (seen()) {
      gate.outcome ??= "all-in-flight";
      this.gateWaiters.splice(0).forEach((w) => w());
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        gate.outcome ??= "timed-out";
        resolve();
      }, gate.timeoutMs);
      this.gateWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private reject(what: string, message: string): AwsRejection {
    const text = `AwsMock: ${what}: ${message}`;
    this.errors.push(text);
    return new AwsRejection(text);
  }

  private subnetsOfVpc(vpcId: string, defaultForAz: boolean): MockSubnet[] {
    return [0, 1, 2].map((i) => ({ id: `subnet-${sha("subnet", vpcId, i).slice(0, 17)}`, vpcId, availabilityZone: `${this.region}${AZ_LETTERS[i]}`, defaultForAz }));
  }
}
