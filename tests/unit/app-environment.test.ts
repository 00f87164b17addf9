// The app's environment has one source (components/config/appEnv.ts): the names it lists, the entries
// it writes on each hosting and the table in docs/reference/app-contract.md must all agree with it.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { appEnvironment, deploymentNames, DEPLOYMENT_VARIABLES, EnvFacts,
  reservedEnvReason } from "../../components/config/appEnv";
import { renderEnvironmentDoc } from "../../components/config/generate";
import { deploymentEnv, renderEnvFile } from "../../components/deployment";

const DIGEST = `sha256:${"b".repeat(64)}`;
const VALUES = {
  databaseUrl: "postgres://u:p@db:5432/app",
  secretKey: "k".repeat(64),
  releaseId: "a".repeat(64),
  allowedHosts: ["app.example.com", "203.0.113.10"],
  mediaEnv: { MEDIA_BUCKET: "app-media-1", MEDIA_BUCKET_REGION: "eu-west-1" },
  siteDomains: ["app.example.com"],
  imageRefs: { web: `registry.example/web@${DIGEST}` },
  cacheUrl: "rediss://master.app-cache.abc123.use1.cache.amazonaws.com:6379/0",
};
const ALL_FACTS: EnvFacts[] = (["ec2", "ecs"] as const).flatMap((hosting) =>
  (["host", "registry"] as const).flatMap((deployMode) =>
    [false, true].flatMap((mediaOnS3) =>
      [false, true].flatMap((https) => [false, true].map((cache) => ({ hosting, deployMode, mediaOnS3, https, cache })))
    )
  )
);
const label = (f: EnvFacts) =>
  `${f.hosting}, ${f.deployMode} mode, media ${f.mediaOnS3 ? "on S3" : "on a volume"}, ${
    f.https ? "HTTPS" : "plain HTTP"
  }, ${f.cache ? "a managed cache" : "no cache"}`;

describe("the app's environment, one table for both hostings", () => {
  for (const facts of ALL_FACTS) {
    it(`writes exactly the names it lists (${label(facts)})`, () => {
      const { clear, secret } = appEnvironment({ facts, appEnv: { LOG_LEVEL: "info" },
        appSecrets: { STRIPE_KEY: "s" } }, VALUES);
      const own = [...Object.keys(clear), ...Object.keys(secret)].filter((n) =>
        !["LOG_LEVEL", "STRIPE_KEY"].includes(n)
      );
      assert.deepStrictEqual(own.sort(), deploymentNames(facts, Object.keys(VALUES.imageRefs)).sort());
      assert.deepStrictEqual([clear.LOG_LEVEL, secret.STRIPE_KEY], ["info", "s"]);
    });
  }

  it("keeps every secret out of the clear half: the database URL, both key names and appSecrets", () => {
    const { clear, secret } = appEnvironment({ facts: ALL_FACTS[0], appEnv: {}, appSecrets: { STRIPE_KEY: "s" } },
      VALUES);
    assert.deepStrictEqual(Object.keys(secret).sort(), ["DATABASE_URL", "DJANGO_SECRET_KEY", "SECRET_KEY",
      "STRIPE_KEY"]);
    for (const value of [VALUES.databaseUrl, VALUES.secretKey, "s"]) assert.ok(!Object.values(clear).includes(value));
  });

  it("gives ecs the same variables as ec2 but the image names", () => {
    for (const facts of ALL_FACTS.filter((f) => f.hosting === "ec2")) {
      const ec2 = deploymentNames(facts, ["web"]);
      const ecs = deploymentNames({ ...facts, hosting: "ecs" }, ["web"]);
      assert.deepStrictEqual(ec2.filter((n) => !ecs.includes(n)),
        facts.deployMode === "registry" ? ["WEB_IMAGE", "WEB_IMAGE_REF"] : []);
      assert.deepStrictEqual(ecs.filter((n) => !ec2.includes(n)), []);
    }
  });

  it("reserves every name it writes, so config refuses it in appEnv or appSecrets", () => {
    for (const v of DEPLOYMENT_VARIABLES) {
      const name = v.name.replace("<SERVICE>", "WEB");
      assert.ok(reservedEnvReason(name, { webService: "web", deployMode: "registry" }), `${name} is reserved`);
    }
  });

  it("writes the ec2 .env as it did: every deployment entry, sorted, the site's names with HTTPS", () => {
    const env = renderEnvFile(
      deploymentEnv({ ...VALUES, appEnv: { LOG_LEVEL: "info" }, tls: { domains: VALUES.siteDomains } }),
    );
    assert.deepStrictEqual(env.split("\n").slice(1, -1).map((l) => l.split("=")[0]), [
      "ALLOWED_HOSTS",
      "DATABASE_URL",
      "DJANGO_SECRET_KEY",
      "HTTPS",
      "LOG_LEVEL",
      "MEDIA_BUCKET",
      "MEDIA_BUCKET_REGION",
      "REDIS_URL",
      "RELEASE_ID",
      "SECRET_KEY",
      "SITE_DOMAINS",
      "WEB_IMAGE",
      "WEB_IMAGE_REF",
    ]);
    assert.match(env, /^WEB_IMAGE='registry\.example\/web'$/m);
    assert.match(env, /^REDIS_URL='rediss:\/\/master\.app-cache\.abc123\.use1\.cache\.amazonaws\.com:6379\/0'$/m);
  });

  it("is the table in docs/reference/app-contract.md (npm run gen:config writes it)", () => {
    const doc = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "reference", "app-contract.md"), "utf8");
    assert.strictEqual(doc, renderEnvironmentDoc(doc), "the app-environment table drifted: run npm run gen:config");
  });
});
