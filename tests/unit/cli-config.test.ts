// The config the program gets is what the Pulumi CLI would give it: the stack file as the CLI loads
// it, then every `default:` of Pulumi.yaml applied to the keys the stack leaves unset, then the
// declared types checked (pulumi/pulumi sdk/go/common/workspace: loaders.go, project_config.go
// mergeConfig/createConfigValue, project.go ValidateConfigValue; resource/config/key.go ParseKey).
import * as assert from "assert";
import { parseConfig, SPECS } from "../../components/config";
import {
  applyProjectConfig,
  ConfigEntry,
  configEntry,
  goJson,
  namespacedKey,
  projectConfigTypes,
  stackEntriesOf,
  stackFileConfig,
  toConfigValues,
} from "../../lib/engine";
import { runPlan, summaryLine } from "../../scripts/lib/plan/run";

const entriesOf = (config: Record<string, unknown>): Map<string, ConfigEntry> => stackEntriesOf({ config });

describe("the CLI's config: the stack file as loaded", () => {
  it("gives a key without a namespace to the project and reads <ns>:config:<name> as <ns>:<name>", () => {
    assert.strictEqual(namespacedKey("appDir"), "compose-on-ec2:appDir");
    assert.strictEqual(namespacedKey("aws:region"), "aws:region");
    assert.strictEqual(namespacedKey("aws:config:region"), "aws:region");
    assert.throws(() => namespacedKey("a:b:c"), /could not parse a:b:c as a configuration key/);
    assert.throws(() => namespacedKey("a:b:c:d"), /`<namespace>:<name>`/);
  });
  it("hands scalars over as text and lists and maps as Go's JSON (sorted keys, no spaces, HTML escaped)", () => {
    const { config } = toConfigValues(
      entriesOf({ rootVolumeGb: 20, dbMultiAz: true, acmeEmail: null, sshCidrs: ["203.0.113.0/24"],
        m: { b: "<&>", a: "1" } }),
    );
    assert.strictEqual(config["compose-on-ec2:rootVolumeGb"], "20");
    assert.strictEqual(config["compose-on-ec2:dbMultiAz"], "true");
    assert.strictEqual(config["compose-on-ec2:acmeEmail"], "");
    assert.strictEqual(config["compose-on-ec2:sshCidrs"], '["203.0.113.0/24"]');
    assert.strictEqual(config["compose-on-ec2:m"], '{"a":"1","b":"\\u003c\\u0026\\u003e"}');
    assert.strictEqual(goJson([]), "[]");
  });
  it("replaces every secure leaf by a placeholder in a value of the same shape, and marks the key secret", () => {
    const { config, secureKeys } = toConfigValues(entriesOf({
      sshPrivateKey: { secure: "v1:AAAA" },
      appSecrets: { STRIPE_KEY: { secure: "v1:BBBB" }, SMTP_PASSWORD: { secure: "v1:CCCC" } },
      domain: ["a.example.com", { secure: "v1:DDDD" }],
      appEnv: '{"A":"1"}',
    }));
    assert.match(config["compose-on-ec2:sshPrivateKey"], /^-----BEGIN OPENSSH PRIVATE KEY-----/);
    const secrets = JSON.parse(config["compose-on-ec2:appSecrets"]) as Record<string, string>;
    assert.deepStrictEqual(Object.keys(secrets), ["SMTP_PASSWORD", "STRIPE_KEY"]);
    assert.ok(Object.values(secrets).every((v) => typeof v === "string" && !v.includes("v1:")));
    const domain = JSON.parse(config["compose-on-ec2:domain"]) as unknown[];
    assert.strictEqual(domain.length, 2);
    assert.ok(domain.every((d) => typeof d === "string"));
    assert.deepStrictEqual(secureKeys, ["compose-on-ec2:appSecrets", "compose-on-ec2:domain",
      "compose-on-ec2:sshPrivateKey"]);
  });
});

describe("the CLI's config: Pulumi.yaml's defaults and types", () => {
  const declared = {
    list: { type: "array", items: { type: "string" }, default: [] },
    count: { type: "integer", default: 20 },
    flag: { type: "boolean", default: false },
    text: { type: "string", default: "" },
    required: { type: "string" },
  };
  it("applies each default the stack leaves unset: a list JSON-encoded, a number and a boolean as Go's %v, a string as it is", () => {
    const merged = applyProjectConfig("dev", entriesOf({ required: "x", count: 7 }), declared, "compose-on-ec2");
    const { config } = toConfigValues(merged);
    assert.deepStrictEqual(
      [config["compose-on-ec2:list"], config["compose-on-ec2:count"], config["compose-on-ec2:flag"],
        config["compose-on-ec2:text"]],
      ["[]", "7", "false", ""],
    );
  });
  it("stops, as the CLI does, on a declared key without default that the stack lacks", () => {
    assert.throws(() => applyProjectConfig("dev", entriesOf({}), declared, "compose-on-ec2"),
      /Stack 'dev' is missing configuration value 'required'/);
  });
  it("stops, as the CLI does, on a stack value that does not fit the declared type", () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ required: "x", list: '["a"]' }, /key 'list' must be of type 'array<string>'/],
      [{ required: "x", count: "twenty" }, /key 'count' must be of type 'integer'/],
      [{ required: "x", flag: "yes" }, /key 'flag' must be of type 'boolean'/],
      [{ required: { a: "b" } }, /key 'required' must be of type 'string'/],
    ];
    for (const [config, message] of bad) {
      assert.throws(() => applyProjectConfig("dev", entriesOf(config), declared, "compose-on-ec2"), message);
    }
  });
  it("accepts every committed stack file against the committed Pulumi.yaml", () => {
    for (const stack of ["dev", "prod"]) assert.ok(stackFileConfig(stack).config["compose-on-ec2:subnetIds"] === "[]");
  });
});

describe("the CLI's config: every declared default reads as no value", () => {
  const declared = projectConfigTypes();
  const asTheCliGivesIt = (key: string): string => configEntry(declared[key].default, `compose-on-ec2:${key}`).value;
  const outcome = (raw: Record<string, unknown>, stack: string): string => {
    try {
      return JSON.stringify(parseConfig(raw, { project: "compose-on-ec2", stack, region: "us-east-1" }));
    } catch (e) {
      return `error: ${(e as Error).message}`;
    }
  };
  for (const stack of ["dev", "prod", "pr-7"]) {
    for (const hosting of ["ec2", "ecs"]) {
      it(`${stack} on ${hosting}: each key set to its Pulumi.yaml default parses exactly as the key unset`, () => {
        const base: Record<string, string> = { hosting, allowPlainHttp: "true",
          ...(hosting === "ecs" ? { cache: "redis" } : {}) };
        const unset = outcome(base, stack);
        assert.ok(!unset.startsWith("error"), unset);
        for (const key of Object.keys(SPECS)) {
          if (key in base) continue;
          assert.ok(declared[key]?.default !== undefined, `Pulumi.yaml declares no default for ${key}`);
          assert.strictEqual(outcome({ ...base, [key]: asTheCliGivesIt(key) }, stack), unset,
            `${key} = ${JSON.stringify(asTheCliGivesIt(key))}`);
        }
      });
    }
  }
});

describe("the CLI's config: plans with Pulumi.yaml's defaults applied", function() {
  this.timeout(120000);
  const stacks: [string, Record<string, string>][] = [["dev", {}], ["prod", {}], ["pr-7", {}], ["dev", { hosting: "ecs",
    cache: "redis" }]];
  for (const [stack, set] of stacks) {
    it(`${stack}${set.hosting ? " on ecs" : ""}: the same plan as with only the stack's own settings`, async () => {
      const applied = await runPlan({ stack, set });
      const bare = await runPlan({ stack, set, projectDefaults: false });
      assert.strictEqual(summaryLine(applied), summaryLine(bare));
      assert.strictEqual(applied.tree, bare.tree);
      assert.deepStrictEqual(applied.violations, bare.violations);
      assert.deepStrictEqual(applied.outputs, bare.outputs);
    });
  }
});
