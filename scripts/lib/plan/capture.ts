// Records what the Pulumi engine would see for every resource the program registers under mocks:
// type, name, parent, dependencies (explicit dependsOn AND the resources whose Outputs feed an
// input), per-property dependencies, protect, provider, inputs and outputs.
//
// Why a monitor hook: pulumi.runtime.Mocks#newResource only receives {type, name, inputs,
// provider, custom, id}; the SDK computes dependencies, parent and protect and sends them in the
// RegisterResourceRequest to the monitor. Under setMocks that monitor is MockMonitor, so wrapping
// MockMonitor.prototype.registerResource sees exactly the request the real engine would receive,
// while the shared AWS mock (tests/support/awsMock.ts) still computes the outputs.
// Internal module paths of @pulumi/pulumi 3.x (pinned in package.json): the mock monitor and the
// wire (de)serialisation the SDK itself uses.
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as rpc from "@pulumi/pulumi/runtime/rpc";

/** One registered resource as the engine would record it. */
export interface PlanResource {
  urn: string;
  type: string;
  name: string;
  /** false for component resources and the stack. */
  custom: boolean;
  /** Parent URN (the component hierarchy). */
  parent?: string;
  /** URNs this resource waits for: dependsOn plus every resource whose Output is an input. */
  dependencies: string[];
  /** Same, per input property. */
  propertyDependencies: Record<string, string[]>;
  /** The `protect` resource option. */
  protect: boolean;
  /** Provider reference `<urn>::<id>`, when one was passed explicitly. */
  provider?: string;
  /** Physical id the mock returned. */
  id?: string;
  /** Inputs with secrets unwrapped (see secretInputs). */
  inputs: Record<string, unknown>;
  /** Outputs from the mock with secrets unwrapped. */
  outputs: Record<string, unknown>;
  /** Top-level input properties that are secret. */
  secretInputs: string[];
  /** Every secret string input or output (see unwrapSecrets): what must never reach a command line. */
  secretValues: string[];
  /** Every string found outside secrets (a value public somewhere is no secret to leak). */
  publicValues: string[];
}

type Struct = Parameters<typeof rpc.deserializeProperties>[0];

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProtect(): boolean | undefined;
  getProvider(): string;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): { forEach(fn: (value: { getUrnsList(): string[] }, key: string) => void): void };
  getObject(): Struct;
}

interface RegisterResponse {
  getUrn(): string;
  getId(): string;
  getObject(): Struct;
}

type Callback = (err: unknown, response: RegisterResponse | undefined) => void;
type RegisterFn = (this: MockMonitor, req: RegisterRequest, cb: Callback) => Promise<void>;

const isSecretWrapper = (value: unknown): value is { value: unknown } =>
  typeof value === "object" && value !== null &&
  (value as Record<string, unknown>)[rpc.specialSigKey] === rpc.specialSecretSig;

/** Strings seen inside secrets and outside them. */
export interface SeenStrings {
  secret: string[];
  public: string[];
}

/**
 * Replaces SDK secret wrappers by their values and sorts the strings found. A secret that wraps a
 * string is that secret; strings inside a secret array or object are neither: the SDK marks a whole
 * property secret when any element is (e.g. `triggers` because of one hash, `connection` because of
 * its private key), so their other elements are no secrets to look for.
 */
export function unwrapSecrets(value: unknown, seen: SeenStrings, insideSecret = false): unknown {
  if (isSecretWrapper(value)) {
    if (typeof value.value === "string" && value.value !== "") seen.secret.push(value.value);
    return unwrapSecrets(value.value, seen, true);
  }
  if (typeof value === "string") {
    if (!insideSecret && value !== "") seen.public.push(value);
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => unwrapSecrets(v, seen, insideSecret));
  if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = unwrapSecrets(v, seen, insideSecret);
    return out;
  }
  return value; // numbers, booleans, assets, archives
}

function toPlainProps(struct: Struct, seen: SeenStrings): Record<string, unknown> {
  // keepUnknowns=true: preview-time unknowns stay visible instead of disappearing.
  const raw = rpc.deserializeProperties(struct, true) as Record<string, unknown>;
  return unwrapSecrets(raw, seen) as Record<string, unknown>;
}

function record(req: RegisterRequest, res: RegisterResponse): PlanResource {
  const seen: SeenStrings = { secret: [], public: [] };
  const rawInputs = rpc.deserializeProperties(req.getObject(), true) as Record<string, unknown>;
  const secretInputs = Object.keys(rawInputs).filter((k) => isSecretWrapper(rawInputs[k])).sort();
  const inputs = unwrapSecrets(rawInputs, seen) as Record<string, unknown>;
  const outputs = toPlainProps(res.getObject(), seen);
  const propertyDependencies: Record<string, string[]> = {};
  req.getPropertydependenciesMap().forEach((deps, key) => {
    propertyDependencies[key] = deps.getUrnsList();
  });
  return {
    urn: res.getUrn(),
    type: req.getType(),
    name: req.getName(),
    custom: req.getCustom(),
    parent: req.getParent() || undefined,
    dependencies: [...new Set(req.getDependenciesList())],
    propertyDependencies,
    protect: req.getProtect() === true,
    provider: req.getProvider() || undefined,
    id: res.getId() || undefined,
    inputs,
    outputs,
    secretInputs,
    secretValues: [...new Set(seen.secret)],
    publicValues: [...new Set(seen.public)],
  };
}

/** Collects registrations until stop(); wraps MockMonitor once per capture. */
export class RegistrationCapture {
  readonly resources: PlanResource[] = [];
  private readonly original: RegisterFn;

  constructor() {
    const proto = MockMonitor.prototype as unknown as { registerResource: RegisterFn };
    this.original = proto.registerResource;
    const original = this.original;
    const resources = this.resources;
    proto.registerResource = function (req, cb) {
      return original.call(this, req, (err, res) => {
        if (!err && res) resources.push(record(req, res));
        cb(err, res);
      });
    };
  }

  /** Restores the monitor; returns what was captured. */
  stop(): PlanResource[] {
    (MockMonitor.prototype as unknown as { registerResource: RegisterFn }).registerResource = this.original;
    return this.resources;
  }
}
