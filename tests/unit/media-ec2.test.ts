// Media on S3 with hosting ec2 (mediaStorage: s3, opt-in): the bucket, the instance role's access
// to it, and the bucket's env in the deployment's .env, under the AWS mock.
import * as assert from "assert";
import { imdsHopLimit } from "../../components/host";
import { deploymentEnv } from "../../components/deployment";
import { AwsMock, MockResource } from "../../lib/engine";
import { assertMediaBucketSafety, cachedRun } from "../support/fixtures";

const ec2S3Run = (stack: "dev" | "prod") =>
  cachedRun(`ec2-media-s3-${stack}`, () => ({ stack, mock: new AwsMock(), config: { mediaStorage: "s3" } }));
const of = (resources: MockResource[], type: string) => resources.filter((r) => r.type === type);

describe("media on S3 for hosting ec2", function() {
  this.timeout(60000);

  it("lets containers reach the instance role only when the app uses it", () => {
    assert.deepStrictEqual([imdsHopLimit(false), imdsHopLimit(true)], [1, 2]);
  });

  it("writes the bucket's env into the .env with the deployment's own keys, and refuses appEnv redefining it", () => {
    const base = { appEnv: {}, databaseUrl: "postgres://u:p@h:5432/d", secretKey: "k", releaseId: "r",
      allowedHosts: ["h"] };
    const env = deploymentEnv({ ...base,
      mediaEnv: { MEDIA_BUCKET: "app-media-1", MEDIA_BUCKET_REGION: "ap-northeast-2" } });
    assert.deepStrictEqual([env.MEDIA_BUCKET, env.MEDIA_BUCKET_REGION], ["app-media-1", "ap-northeast-2"]);
    assert.throws(
      () => deploymentEnv({ ...base, appEnv: { MEDIA_BUCKET: "other" }, mediaEnv: { MEDIA_BUCKET: "app-media-1" } }),
      /appEnv may not set MEDIA_BUCKET/,
    );
    assert.strictEqual("MEDIA_BUCKET" in deploymentEnv(base), false, "a media volume writes no bucket");
  });

  for (const stack of ["dev", "prod"] as const) {
    describe(stack, () => {
      it("grants the instance role list/get/put/delete on that bucket only, and lets containers reach the role", async () => {
        const { mock } = await ec2S3Run(stack);
        const bucket = mock.one("aws:s3/bucket:Bucket");
        const role = mock.one("aws:iam/role:Role");
        const onRole = of(mock.resources, "aws:iam/rolePolicy:RolePolicy").filter((p) =>
          p.inputs.role === role.state.name
        );
        const app = onRole.filter((p) => p.name === "host-app");
        assert.strictEqual(app.length, 1, "the app's policy is on the instance role");
        // The role's other policies (monitoring's logs and metric) give no S3 access.
        for (const other of onRole.filter((p) => p !== app[0])) {
          assert.ok(!String(other.inputs.policy).includes("s3:"), other.name);
        }
        const statements = JSON.parse(app[0].inputs.policy as string).Statement as { Action: string[];
          Resource: string[] }[];
        const resources = statements.flatMap((s) => s.Resource);
        assert.deepStrictEqual(resources.sort(), [bucket.state.arn, `${bucket.state.arn}/*`].sort());
        assert.deepStrictEqual(statements.flatMap((s) => s.Action).sort(), ["s3:DeleteObject", "s3:GetObject",
          "s3:ListBucket", "s3:PutObject"]);
        assert.strictEqual(mock.one("aws:ec2/instance:Instance").inputs.metadataOptions.httpPutResponseHopLimit, 2);
      });

      it("puts MEDIA_BUCKET and its region in the deployment's .env", async () => {
        const { mock } = await ec2S3Run(stack);
        const bucket = mock.one("aws:s3/bucket:Bucket");
        const deploy = of(mock.resources, "command:remote:Command").concat(of(mock.resources, "command:local:Command"))
          .find((c) => typeof c.inputs.stdin === "string" && c.inputs.stdin.includes("DATABASE_URL="));
        assert.ok(deploy, "a command carries the .env on stdin");
        assert.match(deploy.inputs.stdin as string, new RegExp(`^MEDIA_BUCKET='${bucket.state.bucket}'$`, "m"));
        assert.match(deploy.inputs.stdin as string, /^MEDIA_BUCKET_REGION='us-east-1'$/m);
      });

      it("keeps the bucket private and encrypted; versioned, protected and retained in prod only", async () => {
        assertMediaBucketSafety((await ec2S3Run(stack)).mock, stack);
      });
    });
  }
});
