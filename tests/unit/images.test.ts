import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { AwsMock, PROJECT, isSecret, valueOf } from "../../lib/engine";
import type { StackConfig } from "../../components/config";
import { ComposeDeployment } from "../../components/deployment";
import {
  imagesToKeep,
  lifecyclePolicyJson,
  platformFor,
  previousImageTag,
  registryImagesFor,
  repositoryOf,
} from "../../components/images";
import { TEST_CA_BUNDLE, testAppSettings, testDatabaseLogins } from "../support/fixtures";
import { hostBaseDir } from "../../components/layout";

const SHA = "d".repeat(64);
const DIGEST = `sha256:${"e".repeat(64)}`;

function cfg(overrides: { deployMode?: "host" | "registry"; stage?: "dev" | "prod"; arch?: "x86_64" | "arm64" } = {}) {
  const c: Pick<StackConfig, "app" | "host" | "stage" | "tags"> = {
    stage: overrides.stage ?? "dev",
    tags: { project: PROJECT, stage: overrides.stage ?? "dev" },
    host: {
      os: "al2023",
      instanceType: overrides.arch === "arm64" ? "t4g.small" : "t3.small",
      arch: overrides.arch ?? "x86_64",
      rootVolumeGb: 20,
      sshUser: "ec2-user",
    },
    app: testAppSettings({ deployMode: overrides.deployMode ?? "registry" }),
  };
  return c;
}

async function startMocks(ecrImages?: Record<string, { tag: string; pushedAt: number }[]>): Promise<AwsMock> {
  const mock = new AwsMock({ ecrImages });
  await pulumi.runtime.setMocks(mock, PROJECT, "dev", false);
  return mock;
}

async function settle(mock: AwsMock): Promise<void> {
  for (let i = 0, quiet = 0; i < 500 && quiet < 3; i++) {
    await new Promise((r) => setImmediate(r));
    quiet = mock.pending === 0 ? quiet + 1 : 0;
  }
}

/** The build context the program hands over: bundle.ts buildContext's directory of a release. */
const CONTEXT = `.pulumi-bundles/${SHA}.context`;

describe("RegistryImages", () => {
  it("creates nothing in host mode (the default)", async () => {
    const mock = await startMocks();
    assert.strictEqual(registryImagesFor("images", cfg({ deployMode: "host" }), "app-dev", SHA, () => CONTEXT),
      undefined);
    await settle(mock);
    assert.deepStrictEqual(mock.resources, []);
  });

  it("creates an immutable, scanned ECR repository with a lifecycle policy and a pushed image", async () => {
    const mock = await startMocks();
    const images = registryImagesFor("images", cfg(), "app-dev", SHA, () => CONTEXT);
    assert.ok(images);
    const refs = await valueOf(images.imageRefs);
    await settle(mock);

    const repo = mock.one("aws:ecr/repository:Repository");
    assert.strictEqual(repo.inputs.name, "app-dev/web");
    assert.strictEqual(repo.inputs.imageTagMutability, "MUTABLE",
      "a re-push of the same release tag must not wedge the stack");
    assert.deepStrictEqual(repo.inputs.imageScanningConfiguration, { scanOnPush: true });
    assert.strictEqual(repo.inputs.forceDelete, true, "non-prod repositories go away with their images");

    const policy = JSON.parse(mock.one("aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs.policy);
    assert.strictEqual(policy.rules[0].selection.countNumber, imagesToKeep(5));

    const image = mock.one("docker:index/image:Image");
    const url = repo.state.repositoryUrl as string;
    assert.strictEqual(image.inputs.imageName, `${url}:${SHA}`, "tagged with the release id");
    assert.strictEqual(image.inputs.build.context, CONTEXT, "built from the bundle's files, not the app directory");
    assert.strictEqual(image.inputs.build.platform, "linux/amd64");
    assert.strictEqual(image.inputs.registry.server, url);
    assert.strictEqual(image.inputs.registry.username, "AWS");
    assert.ok(mock.calls.some((c) => c.token === "aws:ecr/getAuthorizationToken:getAuthorizationToken"));
    assert.ok(image.secretInputs.includes("registry"), "the registry password is secret");

    assert.deepStrictEqual(Object.keys(refs), ["web"]);
    assert.strictEqual(refs.web, image.state.repoDigest);
    assert.strictEqual(repositoryOf(refs.web), url);
  });

  it("builds a new release from the previous image: cacheFrom the newest pushed image that is not this release's, with inline cache", async () => {
    const older = "a".repeat(64);
    const previous = "b".repeat(64);
    // This release (SHA) already pushed and newest, as on a second `up` of the same release.
    const mock = await startMocks({
      "app-dev/web": [{ tag: older, pushedAt: 1000 }, { tag: previous, pushedAt: 2000 }, { tag: SHA, pushedAt: 3000 }],
    });
    const images = registryImagesFor("images", cfg(), "app-dev", SHA, () => CONTEXT);
    await valueOf(images?.imageRefs);
    await settle(mock);
    const url = mock.one("aws:ecr/repository:Repository").state.repositoryUrl as string;
    const image = mock.one("docker:index/image:Image");
    assert.deepStrictEqual(image.inputs.build.cacheFrom, { images: [`${url}:${previous}`] });
    assert.deepStrictEqual(image.inputs.build.args, { BUILDKIT_INLINE_CACHE: "1" });
    assert.ok(
      mock.calls.some((c) => c.token === "aws:ecr/getImages:getImages" && c.args.repositoryName === "app-dev/web"),
    );
  });

  it("builds the first release without a cache image (an empty repository) and asks ECR nothing it would refuse", async () => {
    const mock = await startMocks();
    const images = registryImagesFor("images", cfg(), "app-dev", SHA, () => CONTEXT);
    await valueOf(images?.imageRefs);
    await settle(mock);
    assert.deepStrictEqual(mock.one("docker:index/image:Image").inputs.build.cacheFrom, { images: [] });
    assert.deepStrictEqual(mock.errors, []);
  });

  it("chooses the same cache image before and after this release's push (a second up changes no input)", () => {
    const before = [{ tags: ["v1"], pushedAt: 10 }, { tags: ["v2"], pushedAt: 20 }];
    const after = [...before, { tags: ["v3"], pushedAt: 30 }];
    assert.strictEqual(previousImageTag(before, "v3"), "v2");
    assert.strictEqual(previousImageTag(after, "v3"), "v2");
    assert.strictEqual(previousImageTag([], "v3"), undefined);
    assert.strictEqual(previousImageTag([{ tags: ["v3"], pushedAt: 30 }], "v3"), undefined);
    // Equal push times: the lexically first tag, whatever order ECR lists them in.
    assert.strictEqual(previousImageTag([{ tags: ["z"], pushedAt: 5 }, { tags: ["b"], pushedAt: 5 }], "v3"), "b");
  });

  it("keeps prod repositories (and their images) on destroy", async () => {
    const mock = await startMocks();
    const images = registryImagesFor("images", cfg({ stage: "prod" }), "app-prod", SHA, () => CONTEXT);
    await valueOf(images?.imageRefs);
    await settle(mock);
    assert.strictEqual(mock.one("aws:ecr/repository:Repository").inputs.forceDelete, false);
  });

  it("builds for arm64 on Graviton hosts", async () => {
    const mock = await startMocks();
    const images = registryImagesFor("images", cfg({ arch: "arm64" }), "app-dev", SHA, () => CONTEXT);
    await valueOf(images?.imageRefs);
    await settle(mock);
    assert.strictEqual(mock.one("docker:index/image:Image").inputs.build.platform, "linux/arm64");
  });

  it("hands the digest refs to the deployment, which writes them into the host's .env", async () => {
    const mock = await startMocks();
    const c = cfg();
    const images = registryImagesFor("images", c, "app-dev", SHA, () => CONTEXT);
    assert.ok(images);
    const deployment = new ComposeDeployment("app", {
      connection: {
        address: "203.0.113.10",
        port: 22,
        user: "ec2-user",
        privateKey: pulumi.secret("key"),
        instanceId: "i-0123456789abcdef0",
        baseDir: hostBaseDir("ec2-user"),
        hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKey",
      },
      bundle: { path: `.pulumi-bundles/${SHA}.manifest`, sha256: SHA, storeDir: ".pulumi-bundles/store",
        files: ["docker-compose.prod.yml"] },
      app: c.app,
      appName: "app-dev",
      database: testDatabaseLogins(),
      dbCaBundle: TEST_CA_BUNDLE,
      allowedHosts: ["203.0.113.10"],
      imageRefs: images.imageRefs,
      sshAccess: [],
    });
    const envFile = await valueOf(deployment.envFile);
    assert.ok(await isSecret(deployment.envFile));
    await settle(mock);
    const refs = await valueOf(images.imageRefs);
    const url = mock.one("aws:ecr/repository:Repository").state.repositoryUrl;
    assert.ok(envFile.includes(`WEB_IMAGE='${url}'`));
    assert.ok(envFile.includes(`WEB_IMAGE_REF='${refs.web}'`));
    const deploy = mock.resources.find((r) => r.name === "app-deploy");
    assert.ok(deploy?.inputs.triggers.includes(`web=${refs.web}`), "a new digest re-runs the deploy");
  });
});

describe("image helpers", () => {
  it("maps EC2 architectures to docker platforms", () => {
    assert.strictEqual(platformFor("x86_64"), "linux/amd64");
    assert.strictEqual(platformFor("arm64"), "linux/arm64");
  });

  it("writes a lifecycle policy that expires all but the newest N images", () => {
    assert.deepStrictEqual(JSON.parse(lifecyclePolicyJson(7)).rules[0], {
      rulePriority: 1,
      description: "keep the newest 7 images",
      selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 7 },
      action: { type: "expire" },
    });
    assert.ok(imagesToKeep(5) > 5, "room for pushes that never became releases");
  });

  it("takes the repository out of a digest ref, with or without a tag", () => {
    const repo = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app/web";
    assert.strictEqual(repositoryOf(`${repo}@${DIGEST}`), repo);
    assert.strictEqual(repositoryOf(`${repo}:${SHA}@${DIGEST}`), repo);
    assert.strictEqual(repositoryOf(`localhost:5000/web@${DIGEST}`), "localhost:5000/web");
    assert.throws(() => repositoryOf(`${repo}:latest`), /<repository>@sha256/);
    assert.throws(() => repositoryOf(`${repo}@sha256:short`), /<repository>@sha256/);
  });
});
