// Prod's ecs secrets under a KMS key of the stack's own: the program's key, its policy and the
// parameters under it; what KMS and Parameter Store refuse (the AWS mock, from their API references);
// and the prod policy rule that refuses SecureStrings under the account's aws/ssm key.
import * as assert from "assert";
import { secretsKeyPolicy, ssmService } from "../../components/ecsIam";
import { AwsMock, MockResource } from "../../lib/engine";
import { computeAws } from "../../lib/engine/awsResources";
import { sessionContext } from "../../lib/engine/awsKms";
import { checkAll, PolicyResource, RULES } from "../../policy/rules";
import { cachedRun } from "../support/fixtures";

const ZONE = "Z0123456789ABCDEFGHIJ";
const PROD_ECS = { hosting: "ecs", cache: "redis", domain: '["app.example.com","www.example.com"]',
  hostedZoneId: ZONE };
const ecsRun = (stack: "dev" | "prod") =>
  cachedRun(`ecs-${stack}`,
    () => ({ stack, config: stack === "prod" ? PROD_ECS : { hosting: "ecs", cache: "redis" } }));
const of = (resources: MockResource[], type: string) => resources.filter((r) => r.type === type);
type KeyStatement = { Sid: string; Principal: { AWS: string | string[] }; Action: string[];
  Condition?: Record<string, Record<string, string>> };

describe("prod's ecs secrets under the stack's own KMS key", function() {
  this.timeout(120000);

  it("prod: every SecureString is under the key, which only the execution role (and the deploying identity) may use, through SSM only", async () => {
    const { mock } = await ecsRun("prod");
    const key = mock.one("aws:kms/key:Key");
    const params = of(mock.resources, "aws:ssm/parameter:Parameter");
    assert.ok(params.length >= 2);
    for (const p of params) assert.strictEqual(p.inputs.keyId, key.state.arn, p.name);
    assert.strictEqual(key.inputs.enableKeyRotation, true);

    const statements = JSON.parse(key.inputs.policy).Statement as KeyStatement[];
    const execution = mock.one("aws:iam/role:Role", "app-execution-role");
    const crypto = (s: KeyStatement) =>
      s.Action.some((a) => /^kms:(Encrypt|Decrypt|GenerateDataKey|ReEncrypt)/.test(a) || a === "kms:*");
    const users = statements.filter(crypto).map((s) => [s.Principal.AWS, s.Action, s.Condition]);
    assert.deepStrictEqual(users, [
      [mock.callerArn, ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"], {
        StringEquals: { "kms:ViaService": "ssm.us-east-1.amazonaws.com" },
      }],
      [execution.state.arn, ["kms:Decrypt"], { StringEquals: { "kms:ViaService": "ssm.us-east-1.amazonaws.com" } }],
    ]);
    // The account administers the key (so a lost deploying role is no lockout) but may not use it.
    const admin = statements.find((s) => s.Sid === "AdministerKey");
    assert.ok(
      admin && !crypto(admin)
        && ([] as string[]).concat(admin.Principal.AWS).includes("arn:aws:iam::123456789012:root"),
    );

    const policy = JSON.parse(mock.one("aws:iam/rolePolicy:RolePolicy", "app-execution-policy").inputs.policy);
    const decrypt = policy.Statement.find((s: { Sid: string }) => s.Sid === "DecryptAppSecrets");
    assert.deepStrictEqual(decrypt, { Sid: "DecryptAppSecrets", Effect: "Allow", Action: ["kms:Decrypt"],
      Resource: [key.state.arn], Condition: { StringEquals: { "kms:ViaService": "ssm.us-east-1.amazonaws.com" } } });
  });

  it("dev: no key of its own (separate accounts keep dev's secrets apart), parameters under the default key", async () => {
    const { mock } = await ecsRun("dev");
    assert.deepStrictEqual(of(mock.resources, "aws:kms/key:Key"), []);
    for (const p of of(mock.resources, "aws:ssm/parameter:Parameter")) {
      assert.strictEqual(p.inputs.keyId, undefined, p.name);
    }
  });

  it("names a deploying role by its role ARN, never its session", () => {
    assert.deepStrictEqual(sessionContext("arn:aws:sts::123456789012:assumed-role/ci-prod/GitHubActions").issuerArn,
      "arn:aws:iam::123456789012:role/ci-prod");
    assert.strictEqual(sessionContext("arn:aws:iam::123456789012:user/ci").issuerArn,
      "arn:aws:iam::123456789012:user/ci");
    const policy = secretsKeyPolicy({ accountId: "123456789012", region: "eu-west-1",
      deployerArn: "arn:aws:iam::123456789012:role/ci-prod", executionRoleArn: "arn:aws:iam::123456789012:role/x" });
    assert.strictEqual(JSON.stringify(policy).includes("sts::"), false);
    assert.strictEqual(ssmService("eu-west-1"), "ssm.eu-west-1.amazonaws.com");
  });
});

describe("AWS mock: what KMS CreateKey and SSM PutParameter refuse", () => {
  const fail = (m: string) => new Error(m);
  const refusal = (mock: AwsMock, type: string, inputs: Record<string, unknown>): string => {
    try {
      computeAws(mock, type, "x", inputs, fail);
    } catch (e) {
      return (e as Error).message;
    }
    return "accepted";
  };
  const withRole = async (callerArn?: string): Promise<{ mock: AwsMock; roleArn: string }> => {
    const mock = new AwsMock({ callerArn });
    const role = await mock.newResource({ type: "aws:iam/role:Role", name: "exec",
      inputs: { assumeRolePolicy: JSON.stringify({ Statement: [] }) }, custom: true });
    return { mock, roleArn: role.state.arn };
  };
  const policyOf = (deployerArn: string, executionRoleArn: string) =>
    JSON.stringify(secretsKeyPolicy({ accountId: "123456789012", region: "us-east-1", deployerArn, executionRoleArn }));

  it("accepts the stack's key policy once the execution role exists, for a user or an assumed role's session", async () => {
    const user = await withRole();
    assert.strictEqual(
      refusal(user.mock, "aws:kms/key:Key", { policy: policyOf(user.mock.callerArn, user.roleArn),
        deletionWindowInDays: 30 }),
      "accepted",
    );
    const session = await withRole("arn:aws:sts::123456789012:assumed-role/ci-prod/run-1");
    assert.strictEqual(
      refusal(session.mock, "aws:kms/key:Key", {
        policy: policyOf("arn:aws:iam::123456789012:role/ci-prod", session.roleArn),
      }),
      "accepted",
    );
  });

  it("refuses a principal that does not exist (the execution role not created yet)", async () => {
    const { mock } = await withRole();
    assert.match(
      refusal(mock, "aws:kms/key:Key", { policy: policyOf(mock.callerArn, "arn:aws:iam::123456789012:role/not-yet") }),
      /MalformedPolicyDocumentException: .*invalid principals/,
    );
  });

  it("refuses a policy that would lock the caller out (no PutKeyPolicy for it), unless the check is bypassed", async () => {
    const { mock, roleArn } = await withRole();
    const lockout = JSON.stringify({
      Statement: [{ Effect: "Allow", Principal: { AWS: roleArn }, Action: ["kms:Decrypt"], Resource: "*" }],
    });
    assert.match(refusal(mock, "aws:kms/key:Key", { policy: lockout }), /lockout safety check/);
    assert.strictEqual(refusal(mock, "aws:kms/key:Key", { policy: lockout, bypassPolicyLockoutSafetyCheck: true }),
      "accepted");
    assert.match(
      refusal(mock, "aws:kms/key:Key", {
        policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: ["kms:*"], Resource: "*" }] }),
      }),
      /has no principal/,
    );
    assert.match(
      refusal(mock, "aws:kms/key:Key", { policy: policyOf(mock.callerArn, roleArn), deletionWindowInDays: 3 }),
      /deletionWindowInDays 3/,
    );
  });

  it("refuses a parameter under a key the account does not have; accepts one it has and the aws/ssm alias", async () => {
    const { mock, roleArn } = await withRole();
    const key = await mock.newResource({ type: "aws:kms/key:Key", name: "k",
      inputs: { policy: policyOf(mock.callerArn, roleArn) }, custom: true });
    const param = (name: string, keyId: string) => ({ name, type: "SecureString", value: "v", keyId });
    assert.match(
      refusal(mock, "aws:ssm/parameter:Parameter", param("/app/A", "arn:aws:kms:us-east-1:123456789012:key/nope")),
      /^InvalidKeyId/,
    );
    assert.strictEqual(refusal(mock, "aws:ssm/parameter:Parameter", param("/app/B", key.state.arn)), "accepted");
    assert.strictEqual(refusal(mock, "aws:ssm/parameter:Parameter", param("/app/C", "alias/aws/ssm")), "accepted");
  });
});

describe("policy: prod-secrets-own-key", () => {
  const rule = RULES.filter((r) => r.name === "prod-secrets-own-key");
  const parameter = (stage: string, keyId?: string): PolicyResource => ({
    type: "aws:ssm/parameter:Parameter",
    name: "app-database-url",
    urn: "urn:p",
    protect: false,
    props: { type: "SecureString", keyId, tags: { project: "p", stack: stage, stage } },
  });
  const messages = (r: PolicyResource, stage?: string) =>
    checkAll([r], rule, stage ? { stage } : undefined).map((v) => v.message);

  it("passes a prod SecureString under a key of the stack's own, and a dev one under the default key", () => {
    assert.deepStrictEqual(messages(parameter("prod", "arn:aws:kms:us-east-1:123456789012:key/1234")), []);
    assert.deepStrictEqual(messages(parameter("dev")), []);
  });
  it("fails a prod SecureString under the default key, whether left unset or named aws/ssm; an untagged one when the pack's config says prod", () => {
    assert.match(messages(parameter("prod"))[0] ?? "",
      /^keyId is "unset": prod's secrets under the account's aws\/ssm key/);
    assert.match(messages(parameter("prod", "alias/aws/ssm"))[0] ?? "", /^keyId is "alias\/aws\/ssm"/);
    const untagged = { ...parameter("dev"), props: { type: "SecureString" } };
    assert.strictEqual(messages(untagged, "prod").length, 1);
  });
});
