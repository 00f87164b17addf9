// components/host.ts: the instance under the AWS mock (AMI from SSM or pinned, IMDSv2, encrypted gp3, key pair,
// instance role, EIP, user data) and the names it is built from.
import * as assert from "assert";
import { amiParameterName, checkSshUser, ecrRegistryHost } from "../../components/host";
import { EC2_ASSUME_ROLE_POLICY } from "../../components/hostIam";
import { type HostKeyPair, renderUserData } from "../../components/userData";
import { containerLogGroupName } from "../../components/monitoring";
import { AwsMock, isSecret, PROJECT, runProgram, unwrapSecrets, valueOf } from "../../lib/engine";
import { stackRun, TEST_SSH_PUBLIC_KEY, variantRun } from "../support/fixtures";

const INSTANCE = "aws:ec2/instance:Instance";

/** The host key the mock's @pulumi/tls gave the Host (resource host-host-key). */
function hostKeyOf(mock: { resources: { name: string; state: Record<string, string> }[] }): HostKeyPair {
  const key = mock.resources.find((r) => r.name === "host-host-key")!;
  return { privateKey: unwrapSecrets(key.state.privateKeyOpenssh),
    publicKey: unwrapSecrets(key.state.publicKeyOpenssh).trim() };
}

describe("host", () => {
  describe("AMI parameter", () => {
    it("picks the SSM public parameter for the OS and architecture", () => {
      assert.strictEqual(amiParameterName("al2023", "x86_64"),
        "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
      assert.strictEqual(amiParameterName("al2023", "arm64"),
        "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64");
      assert.strictEqual(amiParameterName("ubuntu", "x86_64"),
        "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id");
      assert.strictEqual(amiParameterName("ubuntu", "arm64"),
        "/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id");
    });
  });

  describe("ecrRegistryHost", () => {
    it("names the account's registry in the region", () => {
      assert.strictEqual(ecrRegistryHost("123456789012", "eu-west-1"), "123456789012.dkr.ecr.eu-west-1.amazonaws.com");
      assert.strictEqual(ecrRegistryHost("123456789012", "cn-north-1"),
        "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn");
    });
  });

  describe("checkSshUser", () => {
    it("accepts the OS logins and refuses root and invalid names", () => {
      assert.strictEqual(checkSshUser("ec2-user"), "ec2-user");
      assert.strictEqual(checkSshUser("ubuntu"), "ubuntu");
      assert.throws(() => checkSshUser("root"), /never root/);
      assert.throws(() => checkSshUser("Bad User"), /not a valid login name/);
    });
  });

  for (const stack of ["dev", "prod"] as const) {
    describe(`${stack} stack`, () => {
      const size = stack === "prod"
        ? { instanceType: "t3.medium", rootVolumeGb: 30 }
        : { instanceType: "t3.small", rootVolumeGb: 20 };
      it("launches the latest AL2023 x86_64 AMI from SSM and ignores later AMI updates", async () => {
        const { mock } = await stackRun(stack);
        const call = mock.calls.find((c) => c.token === "aws:ssm/getParameter:getParameter");
        assert.strictEqual(call?.args.name, amiParameterName("al2023", "x86_64"));
        const instance = mock.one(INSTANCE);
        assert.match(instance.inputs.ami, /^ami-[0-9a-f]{17}$/);
        assert.deepStrictEqual(instance.options.ignoreChanges, ["ami", "userData"]);
      });
      it(`is a ${size.instanceType} with IMDSv2 only and an encrypted ${size.rootVolumeGb} GiB gp3 root volume`, async () => {
        const instance = (await stackRun(stack)).mock.one(INSTANCE);
        assert.strictEqual(instance.inputs.instanceType, size.instanceType);
        assert.strictEqual(instance.inputs.metadataOptions.httpTokens, "required");
        const root = instance.inputs.rootBlockDevice;
        assert.deepStrictEqual([root.volumeType, root.volumeSize, root.encrypted, root.deleteOnTermination], ["gp3",
          size.rootVolumeGb, true, true]);
      });
      it("keeps containers away from the instance role: IMDS answers one network hop only", async () => {
        const instance = (await stackRun(stack)).mock.one(INSTANCE);
        assert.deepStrictEqual(instance.inputs.metadataOptions, { httpEndpoint: "enabled", httpTokens: "required",
          httpPutResponseHopLimit: 1 });
      });
      it("boots with the rendered cloud-init for the account's ECR registry and never replaces the host for user-data edits", async () => {
        const { mock } = await stackRun(stack);
        const instance = mock.one(INSTANCE);
        assert.strictEqual(
          instance.inputs.userData,
          renderUserData("al2023", "x86_64", "ec2-user", ecrRegistryHost(mock.accountId, mock.region), hostKeyOf(mock),
            { logGroupName: containerLogGroupName(PROJECT, stack), region: mock.region }),
        );
        assert.strictEqual(instance.inputs.userDataReplaceOnChange, false);
      });
      it("generates the host's ED25519 host key, boots with it in secret user data, and pins it on every connection", async () => {
        const { mock, exports } = await stackRun(stack);
        const hostKey = mock.resources.find((r) => r.name === "host-host-key")!;
        assert.strictEqual(hostKey.inputs.algorithm, "ED25519");
        const instance = mock.one(INSTANCE);
        assert.ok(instance.secretInputs.includes("userData"),
          "the user data (holding the private host key) is a secret in state");
        assert.ok(String(instance.inputs.userData).includes(JSON.stringify(hostKeyOf(mock).privateKey)));
        assert.strictEqual(await valueOf(exports.hostPublicKey as never), hostKeyOf(mock).publicKey);
        const steps = mock.resources.filter((r) => r.type.startsWith("command:") && r.name.startsWith("app-"));
        assert.ok(steps.length >= 4);
        for (const step of steps) {
          const pinned = step.type === "command:local:Command"
            ? (step.inputs.environment as Record<string, string>)[
              step.name === "app-teardown"
                ? "TEARDOWN_HOST_KEY"
                : step.name === "app-upload"
                ? "UPLOAD_HOST_KEY"
                : "SESSION_HOST_KEY"
            ]
            : (step.inputs.connection as Record<string, string>).hostKey;
          assert.strictEqual(pinned, hostKeyOf(mock).publicKey, `${step.name} pins the host key`);
        }
      });
      it("generates an ED25519 key pair and exports the private key only as a secret", async () => {
        const { mock, exports } = await stackRun(stack);
        const key = mock.resources.find((r) => r.name === "host-ssh")!;
        assert.strictEqual(key.inputs.algorithm, "ED25519");
        const keyPair = mock.one("aws:ec2/keyPair:KeyPair");
        assert.strictEqual(keyPair.inputs.publicKey, key.state.publicKeyOpenssh.trim());
        assert.strictEqual(mock.one(INSTANCE).inputs.keyName, keyPair.state.keyName);
        assert.strictEqual(await isSecret(exports.sshPrivateKey), true);
        assert.match(await valueOf(exports.sshPrivateKey as never), /BEGIN OPENSSH PRIVATE KEY/);
      });
      it("gives the instance a role of its own policies, no managed one, attached before boot", async () => {
        const { mock } = await stackRun(stack);
        const role = mock.one("aws:iam/role:Role");
        assert.deepStrictEqual(JSON.parse(role.inputs.assumeRolePolicy), JSON.parse(EC2_ASSUME_ROLE_POLICY));
        assert.deepStrictEqual(
          mock.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.inputs.policyArn),
          [],
        );
        const attachments = mock.ofType("aws:iam/rolePolicy:RolePolicy").filter((p) => /-(ecr|ssm)$/.test(p.name));
        // ECR pulls from the stack's own repositories only (images.ts names them <project>-<stack>/<service>).
        const ecr = JSON.parse(attachments.find((p) => p.name.endsWith("-ecr"))?.inputs.policy ?? "{}") as {
          Statement: { Action: string[]; Resource: string }[];
        };
        assert.deepStrictEqual(
          ecr.Statement.map((s) => [s.Action.join(" "), s.Resource.replace(/:\d{12}:/, ":<account>:")]),
          [
            ["ecr:GetAuthorizationToken", "*"],
            ["ecr:BatchGetImage ecr:GetDownloadUrlForLayer ecr:BatchCheckLayerAvailability",
              `arn:aws:ecr:us-east-1:<account>:repository/compose-on-ec2-${stack}/*`],
          ],
        );
        // Session Manager's agent only where the deployment goes through it (prod's default transport).
        assert.strictEqual(attachments.some((p) => p.name.endsWith("-ssm")), stack === "prod");
        assert.ok(attachments.every((a) => a.inputs.role === role.state.name));
        const profile = mock.one("aws:iam/instanceProfile:InstanceProfile");
        const instance = mock.one(INSTANCE);
        assert.strictEqual(instance.inputs.iamInstanceProfile, profile.state.name);
        for (const a of attachments) {
          assert.ok(instance.options.dependencies.some((d) => d.endsWith(`::${a.name}`)),
            `instance waits for ${a.name}`);
        }
      });
      it("serves from an Elastic IP associated with the instance, exported as publicIp", async () => {
        const { mock, outputs } = await stackRun(stack);
        const eip = mock.one("aws:ec2/eip:Eip");
        assert.strictEqual(eip.inputs.domain, "vpc");
        const assoc = mock.one("aws:ec2/eipAssociation:EipAssociation");
        assert.deepStrictEqual([assoc.inputs.allocationId, assoc.inputs.instanceId], [eip.id, mock.one(INSTANCE).id]);
        assert.strictEqual(outputs.publicIp, eip.state.publicIp);
        assert.notStrictEqual(outputs.publicIp, mock.one(INSTANCE).state.publicIp);
      });
      it("places all host resources under the Host component", async () => {
        const { mock } = await stackRun(stack);
        const host = mock.resources.find((r) => r.type === "compose-on-ec2:host:Host")!;
        const children = mock.resources.filter((r) =>
          r.options.parent.endsWith(`compose-on-ec2:host:Host::${host.name}`)
        );
        // host-ssm, Session Manager's agent policy, only on prod's transport ssm.
        assert.deepStrictEqual(children.map((r) => r.name).sort(), ["host-ecr", "host-eip", "host-eip-assoc",
          "host-host-key", "host-instance", "host-key", "host-profile", "host-role", "host-ssh",
          ...(stack === "prod" ? ["host-ssm"] : [])]);
      });
    });
  }

  it("runs Ubuntu on Graviton with the arm64 AMI and the given key pair (no generated key)", async () => {
    const { mock, outputs } = await variantRun("A");
    assert.strictEqual(mock.calls.find((c) => c.token === "aws:ssm/getParameter:getParameter")?.args.name,
      amiParameterName("ubuntu", "arm64"));
    const instance = mock.one(INSTANCE);
    assert.strictEqual(instance.inputs.instanceType, "t4g.small");
    assert.strictEqual(
      instance.inputs.userData,
      renderUserData("ubuntu", "arm64", "ubuntu", ecrRegistryHost(mock.accountId, mock.region), hostKeyOf(mock), {
        logGroupName: containerLogGroupName(PROJECT, "dev"),
        region: mock.region,
      }),
    );
    assert.deepStrictEqual(mock.ofType("tls:index/privateKey:PrivateKey").map((k) => k.name), ["host-host-key"],
      "only the host key is generated");
    assert.strictEqual(mock.one("aws:ec2/keyPair:KeyPair").inputs.publicKey, TEST_SSH_PUBLIC_KEY);
    assert.strictEqual(outputs.sshUser, "ubuntu");
  });
  it("launches a pinned AMI as given and lets changing it replace the host (only userData is ignored)", async () => {
    const { mock } = await variantRun("B");
    assert.ok(!mock.calls.some((c) => c.token === "aws:ssm/getParameter:getParameter"));
    const instance = mock.one(INSTANCE);
    assert.strictEqual(instance.inputs.ami, "ami-0123456789abcdef0");
    assert.deepStrictEqual(instance.options.ignoreChanges, ["userData"]);
  });

  describe("a pinned AMI", () => {
    const AMI = "ami-0123456789abcdef0";
    it("is launched when its architecture matches the instance type", async () => {
      const mock = new AwsMock({ amiArchitectures: { [AMI]: "x86_64" } });
      await runProgram({ stack: "dev", mock, config: { amiId: AMI } });
      assert.strictEqual(mock.one("aws:ec2/instance:Instance").inputs.ami, AMI);
    });
    it("is refused, naming the AMI, both architectures and the fix, before the instance exists", async () => {
      const mock = new AwsMock({ amiArchitectures: { [AMI]: "arm64" } });
      await assert.rejects(runProgram({ stack: "dev", mock, config: { amiId: AMI } }),
        /amiId = "ami-0123456789abcdef0" is built for arm64, but instanceType t3.small is x86_64\. Fix: pin an x86_64 AMI/);
      assert.strictEqual(mock.ofType("aws:ec2/instance:Instance").length, 0);
    });
  });
});
