// The one hook on the engine's resource monitor. pulumi.runtime.Mocks#newResource only receives
// {type, name, inputs, provider, custom, id}; the SDK computes parent, dependencies, protect and the
// rest and sends them in the RegisterResourceRequest. Wrapping the monitor's registerResource sees
// exactly the request the real engine would receive: the options go to the AWS mock before it answers,
// and each answered registration is recorded as the engine would record it (for the plan and tests).
// Internal module path of @pulumi/pulumi 3.x (pinned in package.json): the wire (de)serialisation the
// SDK itself uses.
import * as pulumi from "@pulumi/pulumi";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { AwsMock } from "./awsMock";
import { SeenStrings, isSecretValue, unwrapSecrets } from "./secrets";

/** One registered resource as the engine would record it. */
export interface Registration {
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

/** The parts of a RegisterResourceRequest the engine reads (the protobuf class, typed by hand). */
export interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProtect(): boolean | undefined;
  getProvider(): string;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): { forEach(fn: (value: { getUrnsList(): string[] }, key: string) => void): void };
  getIgnorechangesList(): string[];
  getAdditionalsecretoutputsList(): string[];
  getRetainondelete(): boolean | undefined;
  getReplaceonchangesList(): string[];
  getObject(): Struct;
}

interface RegisterResponse {
  getUrn(): string;
  getId(): string;
  getObject(): Struct;
}

type Callback = (err: unknown, response: RegisterResponse | undefined) => void;
interface Monitor {
  registerResource(req: RegisterRequest, cb: Callback): unknown;
  newUrn(parent: string, type: string, name: string): string;
}

function record(req: RegisterRequest, res: RegisterResponse): Registration {
  const seen: SeenStrings = { secret: [], public: [] };
  // keepUnknowns=true: preview-time unknowns stay visible instead of disappearing.
  const rawInputs = rpc.deserializeProperties(req.getObject(), true) as Record<string, unknown>;
  const propertyDependencies: Record<string, string[]> = {};
  req.getPropertydependenciesMap().forEach((deps, key) => {
    propertyDependencies[key] = deps.getUrnsList();
  });
  const inputs = unwrapSecrets(rawInputs, seen) as Record<string, unknown>;
  const outputs = unwrapSecrets(rpc.deserializeProperties(res.getObject(), true), seen) as Record<string, unknown>;
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
    secretInputs: Object.keys(rawInputs).filter((k) => isSecretValue(rawInputs[k])).sort(),
    secretValues: [...new Set(seen.secret)],
    publicValues: [...new Set(seen.public)],
  };
}

/**
 * Installs the hook on the current mock monitor (call it right after setMocks). Every register request
 * hands its engine-level options (protect, dependencies, parent…) to the mock before the mock answers;
 * `onRegister` sees each raw request too. Returns the list the answered registrations are added to.
 */
export function captureRegistrationOptions(mock: AwsMock, onRegister?: (req: RegisterRequest) => void): Registration[] {
  const registrations: Registration[] = [];
  const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    onRegister?.(req);
    mock.recordOptions(req.getType(), req.getName(), {
      custom: req.getCustom(),
      parent: req.getParent(),
      protect: req.getProtect() === true,
      dependencies: req.getDependenciesList(),
      ignoreChanges: req.getIgnorechangesList(),
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      retainOnDelete: req.getRetainondelete() === true,
      urn: monitor.newUrn(req.getParent(), req.getType(), req.getName()),
    });
    return original(req, (err, res) => {
      if (!err && res) registrations.push(record(req, res));
      cb(err, res);
    });
  };
  return registrations;
}
