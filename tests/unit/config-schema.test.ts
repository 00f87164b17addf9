// components/config: Pulumi.yaml documents exactly the keys config knows, generated from the specs, and the
// committed stack files parse cleanly and hold no secrets.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { CONFIG_SCHEMA, parseConfig, schemaDefault } from "../../components/config";
import { renderPulumiYaml, renderSettingsDoc } from "../../components/config/generate";
import { readYaml, stackFileConfig, stackFileEntries, toConfigValues } from "../../lib/engine";
import { parse, PROD_SSH } from "../support/config";

describe("config: Pulumi.yaml and the stack files", () => {
  const project = readYaml("Pulumi.yaml");

  it("names the project compose-on-ec2 with the TypeScript nodejs runtime", () => {
    assert.strictEqual(project.name, "compose-on-ec2");
    assert.deepStrictEqual(project.runtime, { name: "nodejs", options: { typescript: true } });
  });
  it("documents exactly the keys config knows, with type, description and the same defaults", () => {
    assert.deepStrictEqual(Object.keys(project.config).sort(), Object.keys(CONFIG_SCHEMA).sort());
    for (const [key, spec] of Object.entries(CONFIG_SCHEMA)) {
      const declared = project.config[key];
      // No object type in Pulumi.yaml's schema: object settings are declared untyped (a map or a JSON string passes).
      assert.strictEqual(declared.type, spec.type === "object" ? undefined : spec.type, key);
      assert.ok(declared.description.length > 10, `${key} needs a description`);
      // A declared key without a default is REQUIRED in every stack by the Pulumi CLI (pulumi/pulumi#21797),
      // and a secret key with a default fails validation (pulumi/pulumi#21865): every key has a default, none is `secret:`.
      assert.ok("default" in declared, `${key} has no default: the CLI would demand it in every stack`);
      assert.ok(!("secret" in declared), `${key}: secret keys with a default are refused by the CLI`);
      assert.deepStrictEqual(declared.default, schemaDefault(spec), key);
      if (spec.type === "array") assert.deepStrictEqual(declared.items, { type: "string" }, key);
    }
  });
  it("parses schema defaults to the same values parseConfig uses when a key is unset", () => {
    for (const stack of ["dev", "prod", "pr-7"]) {
      const fromDefaults = Object.fromEntries(Object.entries(CONFIG_SCHEMA).map(([k, s]) => [k, schemaDefault(s)]));
      const extra = stack === "prod" ? PROD_SSH : {};
      assert.deepStrictEqual(parse({ ...fromDefaults, ...extra }, stack), parse(extra, stack), stack);
    }
  });
  it("is generated from the specs: Pulumi.yaml's config block and docs/reference/configuration.md are up to date (npm run gen:config)", () => {
    const root = path.join(__dirname, "..", "..");
    const pulumiYaml = fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8");
    assert.strictEqual(pulumiYaml, renderPulumiYaml(pulumiYaml),
      "Pulumi.yaml drifted from the specs: run npm run gen:config");
    assert.strictEqual(fs.readFileSync(path.join(root, "docs", "reference", "configuration.md"), "utf8"),
      renderSettingsDoc(), "docs/reference/configuration.md drifted: run npm run gen:config");
  });

  for (const stack of ["dev", "prod"]) {
    // What the file itself sets (the CLI adds Pulumi.yaml's defaults on top).
    const raw = toConfigValues(stackFileEntries(stack)).config;
    const own = Object.fromEntries(
      Object.entries(raw).filter(([k]) => k.startsWith("compose-on-ec2:")).map((
        [k, v],
      ) => [k.slice("compose-on-ec2:".length), v]),
    );
    it(`Pulumi.${stack}.yaml parses cleanly and holds no secrets`, () => {
      const c = parseConfig(own, { project: "compose-on-ec2", stack, region: raw["aws:region"] });
      assert.strictEqual(c.stage, stack);
      assert.ok(["us-east-1", "eu-west-1"].includes(c.region));
      assert.ok(!("sshPrivateKey" in own) && !("sshPublicKey" in own));
      assert.ok(Object.values(raw).every((v) => !/password|BEGIN .*PRIVATE KEY|secure:/i.test(v)));
    });
  }
  it("prod opens no SSH (transport ssm by default, no sshCidrs), keeps backups and makes Multi-AZ a setting", () => {
    const raw = toConfigValues(stackFileEntries("prod")).config;
    assert.strictEqual(stackFileConfig("prod").config["compose-on-ec2:transport"], "",
      "the CLI hands prod the declared unset transport");
    assert.ok(!("compose-on-ec2:sshCidrs" in raw) && !("compose-on-ec2:transport" in raw),
      "prod takes its default transport, ssm");
    assert.ok("compose-on-ec2:dbMultiAz" in raw);
    assert.ok(Number(raw["compose-on-ec2:dbBackupRetentionDays"]) >= 7);
  });
});
