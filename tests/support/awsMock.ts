/* eslint-disable @typescript-eslint/no-explicit-any -- provider inputs and engine requests are untyped JSON/protobuf here */
// A Pulumi mock that behaves like AWS where it matters to this project: it computes the outputs AWS
// computes (ids, ARNs, IPs, RDS endpoints, autonamed names), answers the data-source calls the
// program makes, and REJECTS what AWS (or the provider) rejects, so unit tests catch real mistakes.
// Resource types it does not model (random, tls, command, docker, components) get their inputs back
// plus plausible computed fields. Everything is derived from hashes of names and inputs: the same
// program gives the same ids and outputs on every run.
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { checkCidr, checkSshPublicKey, RESERVED_DB_USERNAMES, DbEngine } from "../../components/config";
import { computeMonitoringResource } from "./awsMockMonitoring";

/** One resource the program registered. */
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
  /** The URN the engine gives the resource (same scheme as Pulumi's mock monitor). */
  urn?: string;
}

/** A subnet the mock knows about. */
export interface MockSubnet {
  id: string;
  vpcId: string;
  availabilityZone: string;
  defaultForAz: boolean;
}

export interface AwsMockOptions {
  region?: string;
  accountId?: string;
  /** Extra subnets (e.g. the ids a test config names), so their AZs are known. */
  subnets?: MockSubnet[];
  /** Instance type → AZ names that do NOT offer it (as some zones lack some types); default: every AZ offers every type. */
  instanceTypeMissingIn?: Record<string, string[]>;
}

const SECRET_SIG_KEY = pulumi.runtime.specialSigKey;
const SECRET_SIG = pulumi.runtime.specialSecretSig;

function sha(...parts: unknown[]): string {
  return crypto.createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

function isSecretValue(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG;
}

/** Removes secret wrappers recursively (the mock validates plain values). */
export function unwrapSecrets(v: any): any {
  if (isSecretValue(v)) return unwrapSecrets(v.value);
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v && typeof v === "object" && v.constructor === Object) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
  }
  return v;
}

function secret(value: unknown): unknown {
  return { [SECRET_SIG_KEY]: SECRET_SIG, value };
}

/** An error AWS (or the provider's validation) would return, recorded on the mock too. */
export class AwsRejection extends Error {}

export class AwsMock implements pulumi.runtime.Mocks {
  /** Region the mock answers for; runProgram sets it from aws:region. */
  region: string;
  readonly accountId: string;
  resources: MockResource[] = [];
  calls: { token: string; args: Record<string, any> }[] = [];
  /** Every rejection thrown, so a run can fail even when nobody awaited the rejected resource. */
  errors: string[] = [];
  /** Function tokens the mock has no model for (answered with their inputs). */
  unmockedCalls: string[] = [];
  /** Parallelism probe: when set, these resource types are held until all of them are registered. */
  gate?: { types: string[]; timeoutMs: number; outcome?: "all-in-flight" | "timed-out" };

  private subnets = new Map<string, MockSubnet>();
  private pendingOptions = new Map<string, RegistrationOptions>();
  private gateWaiters: (() => void)[] = [];
  private inFlight = 0;

  constructor(private readonly opts: AwsMockOptions = {}) {
    this.region = opts.region ?? "us-east-1";
    this.accountId = opts.accountId ?? "123456789012";
    this.reset();
  }

  /** Forgets everything recorded; keeps the constructor options. */
  reset(): void {
    this.resources = [];
    this.calls = [];
    this.errors = [];
    this.unmockedCalls = [];
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

  /** Called by program.ts for every register request, before newResource, with the engine-level options. */
  recordOptions(type: string, name: string, options: RegistrationOptions): void {
    this.pendingOptions.set(`${type}::${name}`, options);
  }

  // ---------------------------------------------------------------------------------------------
  // Function calls
  // ---------------------------------------------------------------------------------------------

  call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
    const inputs = unwrapSecrets(args.inputs ?? {});
    this.calls.push({ token: args.token, args: inputs });
    const az = (i: number) => `${this.region}${"abcdef"[i]}`;
    switch (args.token) {
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return { accountId: this.accountId, arn: `arn:aws:iam::${this.accountId}:user/ci`, userId: "AIDAMOCKUSER", id: this.accountId };
      case "aws:index/getRegion:getRegion":
        return { name: this.region, region: this.region, id: this.region, endpoint: `ec2.${this.region}.amazonaws.com`, description: this.region };
      case "aws:index/getPartition:getPartition":
        return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws", reverseDnsPrefix: "com.amazonaws" };
      case "aws:index/getAvailabilityZones:getAvailabilityZones":
        return { names: [0, 1, 2].map(az), zoneIds: [0, 1, 2].map((i) => `use1-az${i + 1}`), id: this.region, groupNames: [this.region] };
      case "aws:ec2/getVpc:getVpc": {
        const id = inputs.id ?? (inputs.default ? this.defaultVpcId() : undefined);
        if (!id) throw this.reject(args.token, "no matching EC2 VPC found (give id or default: true)");
        return { id, cidrBlock: id === this.defaultVpcId() ? "172.31.0.0/16" : "10.0.0.0/16", default: id === this.defaultVpcId(), arn: `arn:aws:ec2:${this.region}:${this.accountId}:vpc/${id}`, ownerId: this.accountId, state: "available", ipv6CidrBlock: "" };
      }
      case "aws:ec2/getSubnets:getSubnets": {
        const filters: { name: string; values: string[] }[] = inputs.filters ?? [];
        const vpcIds = filters.find((f) => f.name === "vpc-id")?.values;
        const defaultOnly = filters.find((f) => f.name === "default-for-az")?.values?.includes("true");
        if (vpcIds) for (const v of vpcIds) for (const s of this.subnetsOfVpc(v, v === this.defaultVpcId())) if (!this.subnets.has(s.id)) this.subnets.set(s.id, s);
        const ids = [...this.subnets.values()]
          .filter((s) => (!vpcIds || vpcIds.includes(s.vpcId)) && (!defaultOnly || s.defaultForAz))
          .map((s) => s.id);
        return { ids, filters, id: this.region };
      }
      case "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings": {
        if (inputs.locationType !== "availability-zone") throw this.reject(args.token, "this model answers locationType availability-zone only");
        const types: string[] = (inputs.filters ?? []).find((f: { name: string }) => f.name === "instance-type")?.values ?? [];
        const azs = [0, 1, 2].map(az);
        const offers = types.flatMap((t) => azs.filter((a) => !(this.opts.instanceTypeMissingIn?.[t] ?? []).includes(a)).map((a) => ({ t, a })));
        return { id: this.region, instanceTypes: offers.map((o) => o.t), locations: offers.map((o) => o.a), locationTypes: offers.map(() => "availability-zone"), locationType: "availability-zone", filters: inputs.filters, region: this.region };
      }
      case "aws:ec2/getSubnet:getSubnet": {
        const s = this.subnetById(inputs.id);
        return { id: s.id, vpcId: s.vpcId, availabilityZone: s.availabilityZone, defaultForAz: s.defaultForAz, cidrBlock: "172.31.0.0/20", mapPublicIpOnLaunch: true, arn: `arn:aws:ec2:${this.region}:${this.accountId}:subnet/${s.id}` };
      }
      case "aws:ssm/getParameter:getParameter": {
        const name: string = inputs.name ?? "";
        const known =
          /^\/aws\/service\/ami-amazon-linux-latest\/al2023-ami-kernel-(default|6\.\d+)-(x86_64|arm64)$/.test(name) ||
          /^\/aws\/service\/canonical\/ubuntu\/server\/(22\.04|24\.04)\/stable\/current\/(amd64|arm64)\/hvm\/ebs-gp3\/ami-id$/.test(name);
        if (!known) throw this.reject(args.token, `ParameterNotFound: ${name}`);
        return { name, value: `ami-${sha("ami", this.region, name).slice(0, 17)}`, type: "String", version: 1, arn: `arn:aws:ssm:${this.region}::parameter${name}`, id: name, insecureValue: "" };
      }
      case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
        return { authorizationToken: Buffer.from("AWS:mock-token").toString("base64"), userName: "AWS", password: "mock-token", proxyEndpoint: `https://${this.accountId}.dkr.ecr.${this.region}.amazonaws.com`, expiresAt: "2030-01-01T00:00:00Z", id: this.region };
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
        this.unmockedCalls.push(args.token);
        return inputs;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Resources
  // ---------------------------------------------------------------------------------------------

  async newResource(args: pulumi.runtime.MockResourceArgs): Promise<{ id: string | undefined; state: Record<string, any> }> {
    this.inFlight++;
    try {
      const raw = (args.inputs ?? {}) as Record<string, any>;
      const inputs = unwrapSecrets(raw) as Record<string, any>;
      const options = this.pendingOptions.get(`${args.type}::${args.name}`) ?? {
        custom: args.custom ?? true, parent: "", protect: false, dependencies: [], ignoreChanges: [], additionalSecretOutputs: [], retainOnDelete: false,
      };
      const record: MockResource = {
        type: args.type,
        name: args.name,
        inputs,
        state: {},
        secretInputs: Object.keys(raw).filter((k) => isSecretValue(raw[k])),
        options,
        urn: options.urn,
      };
      this.resources.push(record);
      await this.holdAtGate(args.type);
      const { id, computed } = this.compute(args.type, args.name, inputs, args.custom !== false);
      // Outputs echo the inputs (secrets stay wrapped) plus what AWS computes; the engine marks
      // additionalSecretOutputs secret, so the mock does too.
      const state: Record<string, any> = { ...raw, ...computed };
      for (const k of options.additionalSecretOutputs) if (k in state && !isSecretValue(state[k])) state[k] = secret(state[k]);
      record.state = state;
      record.id = id;
      return { id, state };
    } finally {
      this.inFlight--;
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
    return [0, 1, 2].map((i) => ({
      id: `subnet-${sha("subnet", vpcId, i).slice(0, 17)}`,
      vpcId,
      availabilityZone: `${this.region}${"abc"[i]}`,
      defaultForAz,
    }));
  }

  private subnetById(id: string): MockSubnet {
    const known = this.subnets.get(id);
    if (known) return known;
    if (!/^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id ?? "")) throw this.reject("subnet", `InvalidSubnetID.Malformed: ${id}`);
    // An id the test did not declare: place it deterministically.
    const s = { id, vpcId: "vpc-unknown", availabilityZone: `${this.region}${"abc"[parseInt(sha(id).slice(0, 2), 16) % 3]}`, defaultForAz: false };
    this.subnets.set(id, s);
    return s;
  }

  private autoname(name: string, type: string, lower = false): string {
    const n = `${name}-${sha("autoname", type, name).slice(0, 7)}`;
    return lower ? n.toLowerCase() : n;
  }

  private idOf(prefix: string, type: string, name: string, length = 17): string {
    return `${prefix}-${sha("id", type, name).slice(0, length)}`;
  }

  private ip(seed: string, first: number): string {
    const h = Buffer.from(sha("ip", seed), "hex");
    return `${first}.${h[0]}.${h[1]}.${1 + (h[2] % 253)}`;
  }

  private publicDns(ip: string): string {
    const dashed = ip.replace(/\./g, "-");
    return this.region === "us-east-1" ? `ec2-${dashed}.compute-1.amazonaws.com` : `ec2-${dashed}.${this.region}.compute.amazonaws.com`;
  }

  private arn(service: string, resource: string, global = false): string {
    return `arn:aws:${service}:${global ? "" : this.region}:${this.accountId}:${resource}`;
  }

  private existing(type: string, field: string, value: unknown): MockResource | undefined {
    return this.resources.find((r) => r.type === type && (field === "id" ? r.id : r.state[field]) === value);
  }

  private compute(type: string, name: string, inputs: Record<string, any>, custom: boolean): { id: string | undefined; computed: Record<string, any> } {
    if (!custom) return { id: undefined, computed: {} };
    const fail = (message: string) => this.reject(`${type} "${name}"`, message);
    switch (type) {
      // ---- EC2 ----
      case "aws:ec2/instance:Instance": {
        if (!inputs.ami) throw fail("InvalidAMIID: ami is required (no launch template given)");
        if (!/^ami-[0-9a-f]{8,17}$/.test(inputs.ami)) throw fail(`InvalidAMIID.Malformed: ${inputs.ami}`);
        if (!inputs.instanceType) throw fail("instanceType is required");
        for (const sg of inputs.vpcSecurityGroupIds ?? []) if (!this.existing("aws:ec2/securityGroup:SecurityGroup", "id", sg)) throw fail(`InvalidGroup.NotFound: ${sg}`);
        if (inputs.keyName && !this.existing("aws:ec2/keyPair:KeyPair", "keyName", inputs.keyName)) throw fail(`InvalidKeyPair.NotFound: ${inputs.keyName}`);
        if (inputs.iamInstanceProfile && !this.existing("aws:iam/instanceProfile:InstanceProfile", "name", inputs.iamInstanceProfile)) {
          throw fail(`InvalidParameterValue: instance profile ${inputs.iamInstanceProfile} not found`);
        }
        if (inputs.userData && Buffer.byteLength(inputs.userData) > 16384) throw fail("InvalidParameterValue: user data exceeds 16 KB");
        const subnet = inputs.subnetId ? this.subnetById(inputs.subnetId) : [...this.subnets.values()][0];
        const id = this.idOf("i", type, name);
        const publicIp = this.ip(id, 54);
        const privateIp = this.ip(`${id}-private`, 172);
        return {
          id,
          computed: {
            arn: this.arn("ec2", `instance/${id}`),
            availabilityZone: subnet.availabilityZone,
            subnetId: subnet.id,
            publicIp,
            publicDns: this.publicDns(publicIp),
            privateIp,
            privateDns: this.region === "us-east-1" ? `ip-${privateIp.replace(/\./g, "-")}.ec2.internal` : `ip-${privateIp.replace(/\./g, "-")}.${this.region}.compute.internal`,
            primaryNetworkInterfaceId: this.idOf("eni", type, name),
            instanceState: "running",
          },
        };
      }
      case "aws:ec2/eip:Eip": {
        if (inputs.domain !== undefined && inputs.domain !== "vpc" && inputs.domain !== "standard") throw fail(`InvalidParameterValue: domain ${inputs.domain}`);
        if (inputs.instance && !this.existing("aws:ec2/instance:Instance", "id", inputs.instance)) throw fail(`InvalidInstanceID.NotFound: ${inputs.instance}`);
        const id = this.idOf("eipalloc", type, name);
        const publicIp = this.ip(id, 3);
        return {
          id,
          computed: {
            allocationId: id,
            publicIp,
            publicDns: this.publicDns(publicIp),
            domain: inputs.domain ?? "vpc",
            arn: this.arn("ec2", `elastic-ip/${id}`),
            ...(inputs.instance ? { associationId: this.idOf("eipassoc", type, name) } : {}),
          },
        };
      }
      case "aws:ec2/eipAssociation:EipAssociation": {
        if (!inputs.allocationId || !this.existing("aws:ec2/eip:Eip", "id", inputs.allocationId)) throw fail(`InvalidAllocationID.NotFound: ${inputs.allocationId}`);
        if (!inputs.instanceId && !inputs.networkInterfaceId) throw fail("one of instanceId or networkInterfaceId is required");
        if (inputs.instanceId && !this.existing("aws:ec2/instance:Instance", "id", inputs.instanceId)) throw fail(`InvalidInstanceID.NotFound: ${inputs.instanceId}`);
        const eip = this.existing("aws:ec2/eip:Eip", "id", inputs.allocationId);
        return { id: this.idOf("eipassoc", type, name), computed: { publicIp: eip?.state.publicIp, privateIpAddress: "172.31.0.10" } };
      }
      case "aws:ec2/keyPair:KeyPair": {
        const why = checkSshPublicKey(inputs.publicKey ?? "");
        if (why) throw fail(`InvalidKey.Format: public key ${why}`);
        const keyName = inputs.keyName ?? (inputs.keyNamePrefix ? `${inputs.keyNamePrefix}${sha("kp", name).slice(0, 20)}` : this.autoname(name, type));
        if (keyName.length > 255) throw fail("key name longer than 255 characters");
        return {
          id: keyName,
          computed: {
            keyName,
            arn: this.arn("ec2", `key-pair/${keyName}`),
            keyPairId: this.idOf("key", type, name),
            fingerprint: `SHA256:${Buffer.from(sha("fp", inputs.publicKey), "hex").toString("base64").replace(/=+$/, "")}`,
            keyType: String(inputs.publicKey).startsWith("ssh-rsa") ? "rsa" : "ed25519",
          },
        };
      }
      case "aws:ec2/securityGroup:SecurityGroup": {
        const sgName = inputs.name ?? (inputs.namePrefix ? `${inputs.namePrefix}${sha("sg", name).slice(0, 20)}` : this.autoname(name, type));
        if (/^sg-/.test(sgName)) throw fail("InvalidParameterValue: group name cannot start with sg-");
        if (sgName.length > 255) throw fail("group name longer than 255 characters");
        if (inputs.description !== undefined && !/^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]*$/.test(inputs.description)) throw fail("InvalidParameterValue: description has characters AWS does not allow");
        const vpcId = inputs.vpcId ?? this.defaultVpcId();
        const id = this.idOf("sg", type, name);
        return { id, computed: { name: sgName, vpcId, arn: this.arn("ec2", `security-group/${id}`), ownerId: this.accountId, description: inputs.description ?? "Managed by Pulumi" } };
      }
      case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
      case "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": {
        if (!this.existing("aws:ec2/securityGroup:SecurityGroup", "id", inputs.securityGroupId)) throw fail(`InvalidGroup.NotFound: ${inputs.securityGroupId}`);
        const targets = ["cidrIpv4", "cidrIpv6", "referencedSecurityGroupId", "prefixListId"].filter((k) => inputs[k] !== undefined);
        if (targets.length !== 1) throw fail(`exactly one of cidrIpv4, cidrIpv6, referencedSecurityGroupId, prefixListId is required (got ${targets.join(", ") || "none"})`);
        if (inputs.cidrIpv4 !== undefined) {
          const r = checkCidr(inputs.cidrIpv4);
          if (!r.ok || r.version !== 4) throw fail(`InvalidParameterValue: cidrIpv4 ${inputs.cidrIpv4} is not an IPv4 CIDR`);
        }
        if (inputs.cidrIpv6 !== undefined) {
          const r = checkCidr(inputs.cidrIpv6);
          if (!r.ok || r.version !== 6) throw fail(`InvalidParameterValue: cidrIpv6 ${inputs.cidrIpv6} is not an IPv6 CIDR`);
        }
        if (inputs.referencedSecurityGroupId !== undefined && !this.existing("aws:ec2/securityGroup:SecurityGroup", "id", inputs.referencedSecurityGroupId)) {
          throw fail(`InvalidGroup.NotFound: ${inputs.referencedSecurityGroupId}`);
        }
        if (inputs.description !== undefined && !/^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]{0,255}$/.test(inputs.description)) throw fail("InvalidParameterValue: rule description has characters AWS does not allow");
        if (!inputs.ipProtocol) throw fail("ipProtocol is required");
        const allProtocols = inputs.ipProtocol === "-1" || inputs.ipProtocol === "all";
        if (allProtocols && (inputs.fromPort !== undefined || inputs.toPort !== undefined)) throw fail("fromPort/toPort must be unset when ipProtocol is -1");
        if (!allProtocols && ["tcp", "udp", "6", "17"].includes(String(inputs.ipProtocol))) {
          if (inputs.fromPort === undefined || inputs.toPort === undefined) throw fail("fromPort and toPort are required for tcp/udp");
          if (inputs.fromPort > inputs.toPort || inputs.fromPort < 0 || inputs.toPort > 65535) throw fail(`invalid port range ${inputs.fromPort}-${inputs.toPort}`);
        }
        const id = this.idOf("sgr", type, name);
        return { id, computed: { securityGroupRuleId: id, arn: this.arn("ec2", `security-group-rule/${id}`) } };
      }
      // ---- IAM ----
      case "aws:iam/role:Role": {
        let policy: { Statement?: unknown };
        try {
          policy = JSON.parse(inputs.assumeRolePolicy);
        } catch {
          throw fail("MalformedPolicyDocument: assumeRolePolicy is not JSON");
        }
        if (!Array.isArray(policy.Statement)) throw fail("MalformedPolicyDocument: no Statement list");
        const roleName = inputs.name ?? this.autoname(name, type);
        if (roleName.length > 64) throw fail("role name longer than 64 characters");
        return { id: roleName, computed: { name: roleName, arn: this.arn("iam", `role/${roleName}`, true), uniqueId: `AROA${sha("role", name).slice(0, 17).toUpperCase()}` } };
      }
      case "aws:iam/rolePolicyAttachment:RolePolicyAttachment": {
        if (!this.existing("aws:iam/role:Role", "name", inputs.role)) throw fail(`NoSuchEntity: role ${inputs.role}`);
        if (!/^arn:aws:iam::(aws|\d{12}):policy\/.+/.test(inputs.policyArn ?? "")) throw fail(`InvalidInput: policyArn ${inputs.policyArn}`);
        return { id: `${inputs.role}-${sha(inputs.policyArn).slice(0, 8)}`, computed: {} };
      }
      case "aws:iam/instanceProfile:InstanceProfile": {
        if (inputs.role && !this.existing("aws:iam/role:Role", "name", inputs.role)) throw fail(`NoSuchEntity: role ${inputs.role}`);
        const profileName = inputs.name ?? this.autoname(name, type);
        return { id: profileName, computed: { name: profileName, arn: this.arn("iam", `instance-profile/${profileName}`, true), uniqueId: `AIPA${sha("ip", name).slice(0, 17).toUpperCase()}` } };
      }
      // ---- RDS ----
      case "aws:rds/subnetGroup:SubnetGroup": {
        const groupName = inputs.name ?? this.autoname(name, type, true);
        if (!/^[a-z0-9 ._-]{1,255}$/.test(groupName) || groupName === "default") throw fail(`InvalidParameterValue: DB subnet group name ${groupName}`);
        const subnets = (inputs.subnetIds ?? []).map((id: string) => this.subnetById(id));
        const azs = new Set(subnets.map((s: MockSubnet) => s.availabilityZone));
        if (azs.size < 2) {
          throw fail(`DBSubnetGroupDoesNotCoverEnoughAZs: the DB subnet group doesn't meet Availability Zone coverage requirement; subnets span ${azs.size} AZ(s): ${[...azs].join(", ") || "none"}`);
        }
        return { id: groupName, computed: { name: groupName, arn: this.arn("rds", `subgrp:${groupName}`), vpcId: subnets[0].vpcId, supportedNetworkTypes: ["IPV4"] } };
      }
      case "aws:rds/instance:Instance":
        return this.computeDbInstance(name, inputs, fail);
      // ---- ECR ----
      case "aws:ecr/repository:Repository": {
        const repoName = inputs.name ?? this.autoname(name, type, true);
        if (!/^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(repoName)) throw fail(`InvalidParameterException: repository name ${repoName}`);
        return {
          id: repoName,
          computed: {
            name: repoName,
            arn: this.arn("ecr", `repository/${repoName}`),
            registryId: this.accountId,
            repositoryUrl: `${this.accountId}.dkr.ecr.${this.region}.amazonaws.com/${repoName}`,
          },
        };
      }
      // ---- other providers, modelled generically ----
      case "random:index/randomPassword:RandomPassword":
      case "random:index/randomString:RandomString": {
        const result = randomResult(name, inputs);
        return { id: "none", computed: { result, ...(type.endsWith("RandomPassword") ? { bcryptHash: `$2a$10$${sha("bcrypt", result).slice(0, 53)}` } : {}) } };
      }
      case "random:index/randomId:RandomId": {
        const bytes = Buffer.from(sha("randomId", name, inputs.keepers ?? {}, inputs.prefix ?? ""), "hex").subarray(0, inputs.byteLength ?? 8);
        const prefix = inputs.prefix ?? "";
        const b64Url = bytes.toString("base64url");
        return { id: b64Url, computed: { hex: prefix + bytes.toString("hex"), b64Url: prefix + b64Url, b64Std: prefix + bytes.toString("base64"), dec: prefix + BigInt(`0x${bytes.toString("hex")}`).toString() } };
      }
      case "tls:index/privateKey:PrivateKey": {
        const algorithm = inputs.algorithm ?? "RSA";
        const seed = Buffer.from(sha("tls", name, algorithm), "hex");
        const keyType = algorithm === "ED25519" ? "ssh-ed25519" : algorithm === "ECDSA" ? "ecdsa-sha2-nistp256" : "ssh-rsa";
        const field = (b: Buffer) => {
          const length = Buffer.alloc(4);
          length.writeUInt32BE(b.length);
          return Buffer.concat([length, b]);
        };
        const blob = Buffer.concat([field(Buffer.from(keyType)), field(seed)]);
        const publicKeyOpenssh = `${keyType} ${blob.toString("base64")}\n`;
        const body = Buffer.from(sha("private", name) + sha("private2", name)).toString("base64");
        return {
          id: sha("tls-id", name).slice(0, 40),
          computed: {
            algorithm,
            publicKeyOpenssh,
            publicKeyPem: `-----BEGIN PUBLIC KEY-----\n${seed.toString("base64")}\n-----END PUBLIC KEY-----\n`,
            privateKeyOpenssh: `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}\n-----END OPENSSH PRIVATE KEY-----\n`,
            privateKeyPem: `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`,
            publicKeyFingerprintSha256: `SHA256:${seed.toString("base64").replace(/=+$/, "")}`,
          },
        };
      }
      case "command:remote:Command":
      case "command:local:Command":
        return { id: this.idOf("cmd", type, name, 12), computed: { stdout: "", stderr: "" } };
      case "docker:index/image:Image":
        return { id: this.idOf("img", type, name, 12), computed: { repoDigest: `${inputs.imageName}@sha256:${sha("digest", inputs).slice(0, 64)}`, baseImageName: inputs.imageName } };
      default: {
        const monitoring = computeMonitoringResource(type, name, inputs, {
          region: this.region, accountId: this.accountId, fail,
          exists: (t, field, value) => this.existing(t, field, value) !== undefined,
          autoname: (n, t) => this.autoname(n, t),
        });
        return monitoring ?? { id: `${name}-id`, computed: {} };
      }
    }
  }

  private computeDbInstance(name: string, inputs: Record<string, any>, fail: (m: string) => AwsRejection): { id: string; computed: Record<string, any> } {
    const engine = inputs.engine as string;
    if (!["postgres", "mysql", "mariadb"].includes(engine)) throw fail(`InvalidParameterValue: engine ${engine}`);
    const identifier: string = inputs.identifier ?? this.autoname(name, "aws:rds/instance:Instance", true);
    if (identifier.length > 63 || !/^[a-z][a-z0-9-]*$/.test(identifier) || identifier.includes("--") || identifier.endsWith("-")) {
      throw fail(`InvalidParameterValue: identifier "${identifier}" must be ≤63 lowercase letters, digits or hyphens, start with a letter, no "--", no trailing "-"`);
    }
    if (!/^db\.[a-z0-9]+\.[a-z0-9]+$/.test(inputs.instanceClass ?? "")) throw fail(`InvalidParameterValue: instance class ${inputs.instanceClass}`);
    if (inputs.allocatedStorage === undefined || inputs.allocatedStorage < 20) throw fail(`InvalidParameterValue: allocated storage ${inputs.allocatedStorage} GiB is below 20`);
    if (inputs.maxAllocatedStorage && inputs.maxAllocatedStorage <= inputs.allocatedStorage) throw fail("InvalidParameterCombination: maxAllocatedStorage must exceed allocatedStorage");
    const user: string = inputs.username ?? "";
    if (!/^[A-Za-z][A-Za-z0-9_]{0,15}$/.test(user)) throw fail(`InvalidParameterValue: master username "${user}" (1-16 letters/digits/_, starts with a letter)`);
    if (RESERVED_DB_USERNAMES[engine as DbEngine].includes(user.toLowerCase())) throw fail(`InvalidParameterValue: MasterUsername ${user} cannot be used as it is a reserved word used by the engine`);
    if (inputs.manageMasterUserPassword && inputs.password !== undefined) throw fail("InvalidParameterCombination: password and manageMasterUserPassword are mutually exclusive");
    if (!inputs.manageMasterUserPassword) {
      const pw: string | undefined = inputs.password;
      if (pw === undefined) throw fail("InvalidParameterValue: a master password is required");
      const max = engine === "postgres" ? 128 : 41;
      if (pw.length < 8 || pw.length > max) throw fail(`InvalidParameterValue: master password length ${pw.length} is outside 8..${max}`);
      if (/[/"@ ]/.test(pw) || /[^\x21-\x7e]/.test(pw)) throw fail("InvalidParameterValue: the master password may contain any printable ASCII character except '/', '\"', '@' or space");
    }
    if (!inputs.skipFinalSnapshot && !inputs.finalSnapshotIdentifier) {
      throw fail("final_snapshot_identifier is required when skip_final_snapshot is false (the delete would fail)");
    }
    if (inputs.finalSnapshotIdentifier && (!/^[a-zA-Z][a-zA-Z0-9-]*$/.test(inputs.finalSnapshotIdentifier) || inputs.finalSnapshotIdentifier.includes("--") || inputs.finalSnapshotIdentifier.endsWith("-") || inputs.finalSnapshotIdentifier.length > 255)) {
      throw fail(`InvalidParameterValue: final snapshot identifier ${inputs.finalSnapshotIdentifier}`);
    }
    if (inputs.backupRetentionPeriod !== undefined && (inputs.backupRetentionPeriod < 0 || inputs.backupRetentionPeriod > 35)) throw fail(`InvalidParameterValue: backup retention ${inputs.backupRetentionPeriod}`);
    if (inputs.dbSubnetGroupName && !this.existing("aws:rds/subnetGroup:SubnetGroup", "name", inputs.dbSubnetGroupName)) throw fail(`DBSubnetGroupNotFoundFault: ${inputs.dbSubnetGroupName}`);
    for (const sg of inputs.vpcSecurityGroupIds ?? []) if (!this.existing("aws:ec2/securityGroup:SecurityGroup", "id", sg)) throw fail(`InvalidGroup.NotFound: ${sg}`);
    const port = inputs.port ?? (engine === "postgres" ? 5432 : 3306);
    const address = `${identifier}.c${sha("rds", this.accountId, this.region).slice(0, 11)}.${this.region}.rds.amazonaws.com`;
    const resourceId = `db-${sha("dbi", name).slice(0, 26).toUpperCase()}`;
    return {
      id: resourceId,
      computed: {
        identifier,
        address,
        port,
        endpoint: `${address}:${port}`,
        arn: this.arn("rds", `db:${identifier}`),
        resourceId,
        hostedZoneId: "Z2R2ITUGPM61AM",
        status: "available",
        engineVersionActual: inputs.engineVersion,
        storageType: inputs.storageType ?? "gp2",
        ...(inputs.manageMasterUserPassword
          ? { masterUserSecrets: [{ secretArn: this.arn("secretsmanager", `secret:rds!${resourceId}-${sha("s", name).slice(0, 6)}`), secretStatus: "active", kmsKeyId: this.arn("kms", "key/mock") }] }
          : {}),
      },
    };
  }
}

/** A deterministic stand-in for random's generated strings that honours its character options. */
function randomResult(name: string, inputs: Record<string, any>): string {
  const length: number = inputs.length ?? 16;
  const classes: { chars: string; min: number }[] = [];
  if (inputs.lower !== false) classes.push({ chars: "abcdefghijklmnopqrstuvwxyz", min: inputs.minLower ?? 0 });
  if (inputs.upper !== false) classes.push({ chars: "ABCDEFGHIJKLMNOPQRSTUVWXYZ", min: inputs.minUpper ?? 0 });
  if (inputs.numeric !== false && inputs.number !== false) classes.push({ chars: "0123456789", min: inputs.minNumeric ?? 0 });
  if (inputs.special !== false) classes.push({ chars: inputs.overrideSpecial ?? "!@#$%&*()-_=+[]{}<>:?", min: inputs.minSpecial ?? 0 });
  const all = classes.map((c) => c.chars).join("");
  if (!all) throw new AwsRejection("random: no character classes enabled");
  let stream = Buffer.alloc(0);
  for (let i = 0; stream.length < length * 2; i++) stream = Buffer.concat([stream, Buffer.from(sha("random", name, inputs.keepers ?? {}, i), "hex")]);
  const required = classes.flatMap((c) => Array.from({ length: c.min }, (_, i) => c.chars[stream[i] % c.chars.length]));
  const rest = Array.from({ length: Math.max(0, length - required.length) }, (_, i) => all[stream[length + i] % all.length]);
  return [...required, ...rest].join("").slice(0, length);
}
