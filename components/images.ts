// Registry mode: build the app's images here, push them to ECR, and hand the host digest-pinned refs.
// The host pulls with its instance role (its user data sets up the ECR credential helper), so no
// registry password ever travels to it. In host mode (the default) this component is not created.

import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { Arch, StackConfig, Stage } from "./config";
import { repositoryOf } from "./config/appEnv";

/** One image to build: a compose service and its build context. */
export interface ImageBuild {
  /** Compose service name, e.g. "web"; also the last part of the ECR repository name. */
  service: string;
  /** Build context directory: the bundle's app files (bundle.ts buildContext), never the raw app directory; `docker build` applies its .dockerignore. */
  context: string;
  /** Dockerfile path relative to the context; default "Dockerfile". */
  dockerfile?: string;
}

export interface RegistryImagesArgs {
  /** Compose project name ([a-z0-9-]); repositories are named `<appName>/<service>`. */
  appName: string;
  /** Stage: repositories of non-prod stages are force-deleted with their images on destroy. */
  stage: Stage;
  /** Host CPU architecture; images are built for the matching linux platform. */
  arch: Arch;
  /** Images to build and push. */
  builds: ImageBuild[];
  /** Tag of this release's images: the bundle sha256, so tag and release id agree. */
  tag: string;
  /** Releases the host keeps; ECR keeps a few more images than that so rollbacks can still pull. */
  keepReleases: number;
  /** Tags for the repositories. */
  tags?: Record<string, string>;
}

/** Docker platform of an EC2 architecture. */
export function platformFor(arch: Arch): "linux/amd64" | "linux/arm64" {
  return arch === "arm64" ? "linux/arm64" : "linux/amd64";
}

/** Images ECR keeps per repository: every kept release plus a margin for pushes that never became a release. */
export function imagesToKeep(keepReleases: number): number {
  return keepReleases + 5;
}

/** ECR lifecycle policy JSON: expire all but the newest `count` images. */
export function lifecyclePolicyJson(count: number): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: `keep the newest ${count} images`,
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: count },
        action: { type: "expire" },
      },
    ],
  });
}

export { repositoryOf };

/** One image in a repository as ECR describes it (DescribeImages): its tags and when it was pushed. */
export interface PushedImage {
  tags: string[];
  /** Push time, seconds since the epoch (imagePushedAt). */
  pushedAt: number;
}

/** At most this many tagged images are described per build; the lifecycle policy keeps fewer. */
export const MAX_CACHE_CANDIDATES = 50;

/**
 * The tag of the previous image to build from (docker build --cache-from): the most recently pushed
 * image that is not this release's. Excluding this release's own tag keeps the choice the same on a
 * second `up` of an unchanged release (after the push it is the newest), so the Image's inputs do not
 * change and nothing is rebuilt; the docker provider updates an Image on any changed input
 * (pulumi/pulumi-docker provider/provider.go, Diff). Ties go to the lexically first tag.
 */
export function previousImageTag(images: PushedImage[], currentTag: string): string | undefined {
  const candidates = images
    .filter((i) => i.tags.length > 0 && !i.tags.includes(currentTag))
    .map((i) => ({ tag: [...i.tags].sort()[0], pushedAt: i.pushedAt }))
    .sort((a, b) => b.pushedAt - a.pushedAt || a.tag.localeCompare(b.tag));
  return candidates[0]?.tag;
}

/**
 * What ECR holds in a repository, for previousImageTag: ListImages (untagged images have no tag to name), then
 * DescribeImages of each tag for its push time (bounded by MAX_CACHE_CANDIDATES). An empty
 * repository (a first `up`) gives [].
 */
function pushedImages(repositoryName: string, registryId: string, currentTag: string,
  opts: pulumi.InvokeOptions): Promise<PushedImage[]> {
  return aws.ecr.getImages({ repositoryName, registryId }, opts).then((listed) => {
    const tags = [
      ...new Set(listed.imageIds.map((i) => i.imageTag).filter((t): t is string => !!t && t !== currentTag)),
    ].sort().slice(0, MAX_CACHE_CANDIDATES);
    return Promise.all(
      tags.map((imageTag) =>
        aws.ecr.getImage({ repositoryName, registryId, imageTag }, opts).then((d) => ({ tags: d.imageTags,
          pushedAt: d.imagePushedAt })
        )
      ),
    );
  });
}

export class RegistryImages extends pulumi.ComponentResource {
  /** Service → "<repositoryUrl>@sha256:<digest>" of the pushed image. */
  public readonly imageRefs: pulumi.Output<Record<string, string>>;
  /** Service → ECR repository URL. */
  public readonly repositoryUrls: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: RegistryImagesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("compose-on-ec2:images:RegistryImages", name, {}, opts);
    if (args.builds.length === 0) throw new Error("RegistryImages: builds must name at least one service");

    const refs: Record<string, pulumi.Output<string>> = {};
    const urls: Record<string, pulumi.Output<string>> = {};
    for (const build of args.builds) {
      const repo = new aws.ecr.Repository(
        `${name}-${build.service}-repo`,
        {
          name: `${args.appName}/${build.service}`,
          // MUTABLE on purpose: re-pushing the same release tag (a rebuild after an interrupted `up`,
          // a provider upgrade) must not wedge the stack, which IMMUTABLE does even for the same
          // digest (aws/containers-roadmap#2179). A tag is the release's bundle sha, so only a rebuild
          // of that same release ever re-pushes it. A moved tag is caught on the host: the .env records
          // the pushed digest (WEB_IMAGE_REF) and the deploy refuses a pulled image without it
          // (host/release/registry.sh).
          imageTagMutability: "MUTABLE",
          imageScanningConfiguration: { scanOnPush: true },
          forceDelete: args.stage !== "prod",
          tags: args.tags,
        },
        { parent: this },
      );
      new aws.ecr.LifecyclePolicy(
        `${name}-${build.service}-lifecycle`,
        { repository: repo.name, policy: lifecyclePolicyJson(imagesToKeep(args.keepReleases)) },
        { parent: this },
      );
      // Short-lived push credentials for this machine only; the host never sees them.
      const auth = aws.ecr.getAuthorizationTokenOutput({ registryId: repo.registryId }, { parent: this });
      // Build on the previous release's layers: the provider pulls each cacheFrom image before the
      // build, a missing one only logs (pulumi/pulumi-docker provider/image.go, "cacheFrom image …
      // not available"), and BUILDKIT_INLINE_CACHE=1 stores the cache metadata in the pushed image so
      // BuildKit can use it next time (the ECR caching example of @pulumi/docker's Image docs).
      const cacheFrom = pulumi
        .all([repo.name, repo.registryId, repo.repositoryUrl])
        .apply(async ([repoName, registryId, url]) => {
          const previous = previousImageTag(await pushedImages(repoName, registryId, args.tag, { parent: this }),
            args.tag);
          return { images: previous === undefined ? [] : [`${url}:${previous}`] };
        });
      const image = new docker.Image(
        `${name}-${build.service}-image`,
        {
          imageName: pulumi.interpolate`${repo.repositoryUrl}:${args.tag}`,
          build: {
            context: build.context,
            dockerfile: build.dockerfile,
            platform: platformFor(args.arch),
            args: { BUILDKIT_INLINE_CACHE: "1" },
            cacheFrom,
          },
          registry: {
            server: repo.repositoryUrl,
            username: auth.userName,
            password: pulumi.secret(auth.password),
          },
        },
        { parent: this },
      );
      // repoDigest is "<repositoryUrl>@sha256:…" for pushed images.
      refs[build.service] = image.repoDigest;
      urls[build.service] = repo.repositoryUrl;
    }
    this.imageRefs = pulumi.output(refs);
    this.repositoryUrls = pulumi.output(urls);
    this.registerOutputs({ imageRefs: this.imageRefs, repositoryUrls: this.repositoryUrls });
  }
}

/**
 * The registry images of a stack, or undefined in host mode (the default: the instance builds, as
 * our users' pipelines do), so index.ts creates ECR and image resources only in registry mode.
 * Registry mode builds the web service from `context` (the bundle's app files: bundle.ts buildContext,
 * called only in registry mode), tagged with the release id (bundle sha).
 */
export function registryImagesFor(
  name: string,
  cfg: Pick<StackConfig, "app" | "host" | "stage" | "tags">,
  appName: string,
  releaseId: string,
  context: () => string,
  opts?: pulumi.ComponentResourceOptions,
): RegistryImages | undefined {
  if (cfg.app.deployMode !== "registry") return undefined;
  return new RegistryImages(
    name,
    {
      appName,
      stage: cfg.stage,
      arch: cfg.host.arch,
      builds: [{ service: cfg.app.webService, context: context() }],
      tag: releaseId,
      keepReleases: cfg.app.keepReleases,
      tags: cfg.tags,
    },
    opts,
  );
}
