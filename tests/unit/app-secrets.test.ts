// The app's own secrets: appSecrets and secretKey read and refused by config, written to the .env
// (ec2) and to SSM SecureString + the task's `secrets` (ecs), never in plain text in any registration;
// the policy rule of secret-looking names in appEnv; the prod plan with appSecrets stored `secure:`.
import * as assert from "assert";
import { parseConfig, ParseContext, StackConfig } from "../../components/config";
import { appEnvironmentNames } from "../../components/config/appEnv";
import { looksSecret } from "../../components/config/envfile";
import { deploymentEnv, renderEnvFile } from "../../components/deployment";
import { PROJECT, runProgram, stackConfigOf, stackFileConfig } from "../../lib/engine";
import { checkAll } from "../../policy/rules";
import { secretLookingAppEnv } from "../../policy/appEnvRules";
import { runPlan, stackResource, toPolicyResources } from "../../scripts/lib/plan/run";
import { environmentLines } from "../../scripts/plan";
import { problemsOfParse } from "./configProblems";

const COMPOSE =
  'services:\n  web:\n    build: .\n    env_file: .env\n    volumes: ["${DB_CA_DIR:-./db-ca}:/db-ca:ro"]\n  nginx:\n    build: ./nginx\n    ports: ["${HTTP_PORT:-80}:80"]\n';
const PROD = { sshCidrs: ["203.0.113.0/24"] };
const ctx = (stack: string): ParseContext => ({ project: "compose-on-ec2", stack, region: "us-east-1",
  fileExists: () => true, readFile: () => COMPOSE });
const parse = (raw: Record<string, unknown>, stack = "dev"): StackConfig => parseConfig(raw, ctx(stack));
const problems = (raw: Record<string, unknown>, stack = "dev"): string[] =>
  problemsOfParse(() => parse(raw, stack), JSON.stringify(Object.keys(raw)));

const STRIPE = "sk_live_0123456789abcdefSECRETVALUE";
const SMTP = "smtp-password-0123456789";

describe("appSecrets and secretKey in config", () => {
  it("reads appSecrets as an object (a JSON string, as the CLI hands a --path secret) and keeps secretKey", () => {
    const c = parse({ appSecrets: JSON.stringify({ STRIPE_SECRET_KEY: STRIPE }), secretKey: "k".repeat(50) });
    assert.deepStrictEqual(c.app.secrets, { STRIPE_SECRET_KEY: STRIPE });
    assert.strictEqual(c.app.secretKey, "k".repeat(50));
    assert.strictEqual(parse({}).app.secretKey, undefined, "unset: the deployment generates the key");
  });

  const refusals: { what: string; raw: Record<string, unknown>; text: string; stack?: string }[] = [
    { what: "a name the deployment writes", raw: { appSecrets: { DATABASE_URL: SMTP } },
      text: "appSecrets.DATABASE_URL (value not shown): is written by the deployment itself" },
    { what: "the Django key under appSecrets (secretKey is its setting)", raw: { appSecrets: { SECRET_KEY: SMTP } },
      text: "set secretKey" },
    { what: "a name the deployment writes with media on S3", raw: { appSecrets: { MEDIA_BUCKET: SMTP } },
      text: "mediaStorage s3" },
    { what: "a name the deploy script sets", raw: { appSecrets: { HTTP_PORT: "8081" } },
      text: "set by the deploy script" },
    { what: "a name compose itself reads", raw: { appSecrets: { COMPOSE_PROJECT_NAME: "x" } }, text: "steers compose" },
    { what: "a name also in appEnv", raw: { appEnv: { SMTP_PASSWORD: "a" }, appSecrets: { SMTP_PASSWORD: SMTP } },
      text: "is also set in appEnv" },
    { what: "an invalid variable name", raw: { appSecrets: { "stripe-key": STRIPE } },
      text: "is not a valid variable name" },
    { what: "a value with a quote", raw: { appSecrets: { SMTP_PASSWORD: "it's" } }, text: "contains ' or \\" },
    { what: "a value with a backslash", raw: { appSecrets: { SMTP_PASSWORD: "a\\b" } }, text: "contains ' or \\" },
    { what: "a value with ${", raw: { appSecrets: { SMTP_PASSWORD: "a${B}" } }, text: "compose v1 would interpolate" },
    { what: "a multi-line value", raw: { appSecrets: { TLS_KEY: "a\nb" } }, text: "line break" },
    { what: "a value that is not a string", raw: { appSecrets: { N: { nested: "x" } } },
      text: "must be an object of string values" },
    { what: "a debug switch in prod", raw: { ...PROD, appSecrets: { DJANGO_DEBUG: "1" } }, text: "debug mode",
      stack: "prod" },
    { what: "a secretKey with a quote", raw: { secretKey: "abc'def" },
      text: "secretKey = [secret]: cannot be written to the .env file" },
    { what: "a secretKey with a trailing space", raw: { secretKey: "abcdef " }, text: "trailing whitespace" },
  ];
  for (const r of refusals) {
    it(`refuses ${r.what}, naming the entry and a fix but never the value`, () => {
      const found = problems(r.raw, r.stack);
      const match = found.find((p) => p.includes(r.text));
      assert.ok(match, `no problem mentions ${JSON.stringify(r.text)}:\n${found.join("\n")}`);
      assert.match(match, /Fix: \S/);
      for (const v of [STRIPE, SMTP, "it's", "a\\b", "abc'def"]) {
        assert.ok(!found.join("\n").includes(v), "a secret's value shows in the problems");
      }
    });
  }

  it("refuses appSecrets stored in plain text when the CLI says which keys are secret", () => {
    const found = problemsOfParse(
      () => parseConfig({ appSecrets: { SMTP_PASSWORD: SMTP } }, { ...ctx("dev"), isSecret: () => false }),
      "plain appSecrets",
    );
    assert.ok(found.some((p) => p.includes("compose-on-ec2:appSecrets = [not shown]: is stored in plain text")),
      found.join("\n"));
    assert.ok(!found.join("\n").includes(SMTP));
  });
});

describe("appSecrets on the host's .env", () => {
  it("writes each entry beside the deployment's own, and the kept Django key under both names", () => {
    const env = deploymentEnv({ appEnv: { LOG_LEVEL: "INFO" }, appSecrets: { STRIPE_SECRET_KEY: STRIPE },
      databaseUrl: "postgres://u:p@h/db", secretKey: "kept-key", releaseId: "r", allowedHosts: ["h"] });
    assert.strictEqual(env.STRIPE_SECRET_KEY, STRIPE);
    assert.strictEqual(env.SECRET_KEY, "kept-key");
    assert.strictEqual(env.DJANGO_SECRET_KEY, "kept-key");
    assert.match(renderEnvFile(env), new RegExp(`^STRIPE_SECRET_KEY='${STRIPE}'$`, "m"));
  });
  it("refuses an entry in both appEnv and appSecrets, naming it and not its value", () => {
    assert.throws(
      () =>
        deploymentEnv({ appEnv: { A_TOKEN: "x" }, appSecrets: { A_TOKEN: STRIPE }, databaseUrl: "d", secretKey: "k",
          releaseId: "r", allowedHosts: [] }),
      (e: Error) => /A_TOKEN/.test(e.message) && !e.message.includes(STRIPE),
    );
  });
});

describe("the app's environment: names and sources, never values", () => {
  it("lists the deployment's names for the stack, appEnv and appSecrets", () => {
    const env = appEnvironmentNames({ hosting: "ec2", deployMode: "registry", webService: "web", mediaOnS3: true,
      https: true, cache: false, appEnv: { LOG_LEVEL: "x" }, appSecrets: { STRIPE_SECRET_KEY: STRIPE } });
    assert.deepStrictEqual(env, {
      ALLOWED_HOSTS: "deployment",
      DATABASE_URL: "deployment",
      DJANGO_SECRET_KEY: "deployment",
      HTTPS: "deployment",
      LOG_LEVEL: "appEnv",
      MEDIA_BUCKET: "deployment",
      MEDIA_BUCKET_REGION: "deployment",
      RELEASE_ID: "deployment",
      SECRET_KEY: "deployment",
      SITE_DOMAINS: "deployment",
      STRIPE_SECRET_KEY: "appSecrets",
      WEB_IMAGE: "deployment",
      WEB_IMAGE_REF: "deployment",
    });
    assert.ok(!JSON.stringify(env).includes(STRIPE));
  });
  const names: [string, boolean][] = [
    ["STRIPE_SECRET_KEY", true],
    ["EMAIL_HOST_PASSWORD", true],
    ["GITHUB_TOKEN", true],
    ["SENTRY_DSN", true],
    ["AWS_ACCESS_KEY_ID", true],
    ["API_KEY", true],
    ["DB_PASS", true],
    ["DJANGO_LOG_LEVEL", false],
    ["KEYBOARD_LAYOUT", false],
    ["SECRETARY_EMAIL", false],
    ["PASSPORT_URL", false],
    ["TIME_ZONE", false],
  ];
  for (const [name, secret] of names) {
    it(`${name} ${secret ? "looks" : "does not look"} secret`, () => assert.strictEqual(looksSecret(name), secret));
  }
  it("the policy picks the secret-looking names of appEnv only", () => {
    assert.deepStrictEqual(
      secretLookingAppEnv({ STRIPE_SECRET_KEY: "appEnv", SMTP_PASSWORD: "appSecrets", DATABASE_URL: "deployment",
        LOG_LEVEL: "appEnv" }),
      ["STRIPE_SECRET_KEY"],
    );
  });
});

/** A prod stack's config as the CLI hands it, with appSecrets (and secretKey) as secrets. */
async function prodRun(extra: Record<string, string>, secrets: Record<string, string>) {
  const { config, secureKeys } = stackFileConfig("prod");
  const plain = Object.fromEntries(Object.entries({ ...config, ...extra }).filter(([k]) => !secureKeys.includes(k)));
  const secret = { ...Object.fromEntries(secureKeys.map((k) => [k, config[k]])), ...secrets };
  return runProgram({ stack: "prod", config: plain, secrets: secret, replaceConfig: true });
}

describe("a prod stack with appSecrets, under the engine", function() {
  this.timeout(120_000);
  const appSecrets = JSON.stringify({ STRIPE_SECRET_KEY: STRIPE, EMAIL_HOST_PASSWORD: SMTP });

  for (const hosting of ["ec2", "ecs"]) {
    it(`${hosting}: passes every policy rule, holds no value in plain text, and lists the names with their sources`, async () => {
      const run = await prodRun({ [`${PROJECT}:hosting`]: hosting,
        ...(hosting === "ecs" ? { [`${PROJECT}:cache`]: "redis" } : {}) }, { [`${PROJECT}:appSecrets`]: appSecrets });
      const resources = [...toPolicyResources(run.registrations), stackResource("prod", run.outputs)];
      assert.deepStrictEqual(checkAll(resources), []);
      // Every registration's non-secret strings: no value may be among them.
      const publicText = JSON.stringify(run.registrations.map((r) => r.publicValues));
      for (const v of [STRIPE, SMTP]) {
        assert.ok(!publicText.includes(v), `${hosting}: a value of appSecrets is in plain text in a registration`);
      }
      assert.strictEqual((run.outputs.appEnvironment as Record<string, string>).STRIPE_SECRET_KEY, "appSecrets");
      assert.ok(!JSON.stringify(run.outputs).includes(STRIPE));
      if (hosting === "ecs") {
        const params = run.registrations.filter((r) => r.type === "aws:ssm/parameter:Parameter").map((r) => r.inputs);
        const stripe = params.find((p) => p.name === "/compose-on-ec2-prod/app/STRIPE_SECRET_KEY");
        assert.ok(stripe, `no SSM parameter for STRIPE_SECRET_KEY: ${params.map((p) => p.name).join(", ")}`);
        assert.strictEqual(stripe.type, "SecureString");
        const task = run.registrations.find((r) =>
          r.type === "aws:ecs/taskDefinition:TaskDefinition" && r.name === "app-task"
        )!;
        const web =
          (JSON.parse(task.inputs.containerDefinitions as string) as { name: string;
            secrets: { name: string; valueFrom: string }[]; environment: { name: string }[] }[]).find((c) =>
              c.name === "web"
            )!;
        assert.ok(web.secrets.some((s) => s.name === "STRIPE_SECRET_KEY"), "the task's secrets name STRIPE_SECRET_KEY");
        assert.ok(!web.environment.some((e) => e.name === "STRIPE_SECRET_KEY"),
          "never in the task's plain environment");
      }
    });
  }

  it("the policy fails a prod stack whose appEnv holds a secret-looking name, naming the move to appSecrets", async () => {
    const run = await prodRun({
      [`${PROJECT}:appEnv`]: JSON.stringify({ DJANGO_LOG_LEVEL: "INFO", STRIPE_SECRET_KEY: "sk_test_x" }),
    }, {});
    const violations = checkAll([...toPolicyResources(run.registrations), stackResource("prod", run.outputs)]).filter((
      v,
    ) => v.policy === "prod-secrets-not-in-app-env");
    assert.strictEqual(violations.length, 1, JSON.stringify(violations));
    assert.match(violations[0].message, /appEnv holds STRIPE_SECRET_KEY.*add it to appSecrets/);
    assert.ok(!violations[0].message.includes("sk_test_x"));
  });

  it("the plan of a stack file with appSecrets stored `secure:` passes and lists each name with its source", async function() {
    this.timeout(120000);
    // As `pulumi config set --secret --path 'appSecrets.STRIPE_SECRET_KEY' …` stores it: the names in
    // the clear, each value encrypted. The offline engine plans it with a placeholder per value.
    const doc = {
      config: { "aws:region": "us-east-1", [`${PROJECT}:appSecrets`]: { STRIPE_SECRET_KEY: { secure: "v1:AAAA" } } },
    };
    const read = stackConfigOf(doc);
    assert.ok(read.secureKeys.includes(`${PROJECT}:appSecrets`));
    assert.deepStrictEqual(Object.keys(JSON.parse(read.config[`${PROJECT}:appSecrets`])), ["STRIPE_SECRET_KEY"]);
    // Stored whole, as one encrypted JSON string: the names are unknown offline, so an empty object.
    assert.strictEqual(
      stackConfigOf({ config: { [`${PROJECT}:appSecrets`]: { secure: "v1:BBBB" } } }).config[`${PROJECT}:appSecrets`],
      "{}",
    );
    const fs = await import("fs");
    const os = await import("os");
    const path = await import("path");
    const prod = (await import("../../lib/engine")).readYaml("Pulumi.prod.yaml") as { config: Record<string, unknown> };
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "secure-")), "Pulumi.prod.yaml");
    fs.writeFileSync(file, JSON.stringify({ config: { ...prod.config, ...doc.config } }));
    const plan = await runPlan({ stack: "prod", stackFile: path.relative(path.resolve(__dirname, "..", ".."), file) });
    assert.deepStrictEqual(plan.violations, []);
    assert.ok(environmentLines(plan).some((l) => /STRIPE_SECRET_KEY\s+appSecrets/.test(l)));
  });
});
