/* eslint-disable @typescript-eslint/no-explicit-any -- provider inputs and call arguments are untyped JSON here */
// A Pulumi mock that behaves like AWS where it matters to this project: it computes the outputs AWS
// computes (awsResources.ts), answers the data-source calls the program makes, and REJECTS what AWS
// (or the provider) rejects, by AWS's documented rules (awsRules.ts), so a run catches real mistakes.
// Resource types it does not model (random, tls, command, docker, components) get their inputs back
// plus plausible computed fields (otherProviders.ts). The same program gives the same outputs each run.
import * as pulumi from "@pulumi/pulumi";
import { answerCall, availabilityZones, type CallContext } from "./awsCalls";
import { AwsRejection, type AwsMockOptions, type MockResource, type RegistrationOptions } from "./awsMockTypes";
import { Account, MockSubnet, computeAws, sha } from "./awsResources";
import { computeOther } from "./otherProviders";
import { importDbInstance, restorableSnapshot } from "./awsRds";
import { isSecretValue, secretValue, unwrapSecrets } from "./secrets";

/** Computed fields that hold AWS's fixed values (the same in every account), not made-up ids. */
const FIXED_FIELDS = new Set(["hostedZoneId", "status", "instanceState", "engineVersionActual", "storageType", "domain",
  "availabilityZone"]);
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
    if (found.length !== 1) {
      throw new Error(`expected exactly one ${type}${name ? ` named ${name}` : ""}, found ${found.length}`);
    }
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
    if (!/^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id ?? "")) {
      throw this.reject("subnet", `InvalidSubnetID.Malformed: ${id}`);
    }
    // An id the test did not declare: place it deterministically.
    const s = { id, vpcId: "vpc-unknown",
      availabilityZone: `${this.region}${"abc"[parseInt(sha(id).slice(0, 2), 16) % 3]}`, defaultForAz: false };
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
    const answer = answerCall(this.callContext(), args.token, inputs);
    if (answer !== undefined) return answer;
    this.unmockedCalls.push(args.token);
    return inputs;
  }

  /** What the data-source calls (awsCalls.ts) may ask of this mock. */
  private callContext(): CallContext {
    return {
      account: this,
      opts: this.opts,
      invented: this.invented,
      reject: (what, message) => this.reject(what, message),
      subnetIds: (vpcIds, defaultOnly) => {
        for (const v of vpcIds ?? []) {
          for (const s of this.subnetsOfVpc(v, v === this.defaultVpcId())) {
            if (!this.subnets.has(s.id)) this.subnets.set(s.id, s);
          }
        }
        return [...this.subnets.values()].filter((s) =>
          (!vpcIds || vpcIds.includes(s.vpcId)) && (!defaultOnly || s.defaultForAz)
        ).map((s) => s.id);
      },
    };
  }

  // ---- Resources ----

  async newResource(
    args: pulumi.runtime.MockResourceArgs,
  ): Promise<{ id: string | undefined; state: Record<string, any> }> {
    this.inFlight++;
    try {
      const raw = (args.inputs ?? {}) as Record<string, any>;
      const inputs = unwrapSecrets(raw) as Record<string, any>;
      const options = this.pendingOptions.get(`${args.type}::${args.name}`) ?? {
        custom: args.custom ?? true,
        parent: "",
        protect: false,
        dependencies: [],
        ignoreChanges: [],
        additionalSecretOutputs: [],
        retainOnDelete: false,
      };
      const record: MockResource = {
        type: args.type,
        name: args.name,
        inputs,
        state: {},
        options,
        urn: options.urn,
        secretInputs: Object.keys(raw).filter((k) => isSecretValue(raw[k])),
      };
      this.resources.push(record);
      await this.holdAtGate(args.type);
      const { id, computed } = args.type === RDS_INSTANCE && args.id
        ? this.importDb(args.name, args.id, inputs, options)
        : this.compute(args.type, args.name, inputs, args.custom !== false);
      if (args.type.startsWith("aws:")) this.recordInvented(args.name, inputs, { id, ...computed });
      // Outputs echo the inputs (secrets stay wrapped) plus what AWS computes; the engine marks
      // additionalSecretOutputs secret, so the mock does too.
      const state: Record<string, any> = { ...raw, ...computed };
      for (const k of options.additionalSecretOutputs) {
        if (k in state && !isSecretValue(state[k])) state[k] = secretValue(state[k]);
      }
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
  private importDb(name: string, id: string, inputs: Record<string, any>,
    options: RegistrationOptions): { id: string; computed: Record<string, any> } {
    const result = importDbInstance(this.opts.rdsInstances ?? [], id, inputs, options.ignoreChanges);
    if ("problem" in result) throw this.reject(`${RDS_INSTANCE} "${name}" (import ${id})`, result.problem);
    const i = result.instance;
    return {
      id: i.DbiResourceId,
      computed: {
        identifier: i.DBInstanceIdentifier,
        address: i.Endpoint.Address,
        port: i.Endpoint.Port,
        endpoint: `${i.Endpoint.Address}:${i.Endpoint.Port}`,
        arn: i.DBInstanceArn,
        resourceId: i.DbiResourceId,
        hostedZoneId: i.Endpoint.HostedZoneId,
        status: i.DBInstanceStatus,
        engineVersionActual: i.EngineVersion,
        storageType: i.StorageType,
      },
    };
  }

  private compute(type: string, name: string, inputs: Record<string, any>,
    custom: boolean): { id: string | undefined; computed: Record<string, any> } {
    if (!custom) return { id: undefined, computed: {} };
    const fail = (message: string) => this.reject(`${type} "${name}"`, message);
    // RestoreDBInstanceFromDBSnapshot: the snapshot must exist and be visible to this account.
    if (type === RDS_INSTANCE && inputs.snapshotIdentifier
      && !restorableSnapshot(this.opts.rdsSnapshots ?? [], this.accountId, inputs.snapshotIdentifier)) {
      throw fail(`DBSnapshotNotFound: DBSnapshot ${inputs.snapshotIdentifier} not found`);
    }
    return computeAws(this, type, name, inputs, fail) ?? computeOther(type, name, inputs);
  }

  /** Marks the made-up identifiers among what the model computed (not echoed inputs, not fixed words like "available"). */
  private recordInvented(name: string, inputs: Record<string, any>, computed: Record<string, any>): void {
    const given = new Set(Object.values(inputs).filter((v) => typeof v === "string"));
    for (const [field, value] of Object.entries(computed)) {
      if (typeof value !== "string" || given.has(value) || this.invented.has(value) || FIXED_FIELDS.has(field)) {
        continue;
      }
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
    return [0, 1, 2].map((i) => ({ id: `subnet-${sha("subnet", vpcId, i).slice(0, 17)}`, vpcId,
      availabilityZone: availabilityZones(this.region)[i], defaultForAz })
    );
  }
}
