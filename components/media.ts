// Uploaded media in S3: a private bucket (public access blocked, ACLs off, encrypted at rest, TLS
// only), versioned and kept on destroy in prod. The app reaches it with its role's credentials (the
// ECS task role, or the EC2 instance role when mediaStorage is s3 on ec2) through the policy below:
// no access keys anywhere. The example app switches to django-storages when MEDIA_BUCKET is set.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { Stage } from "./config";

export interface MediaBucketArgs {
  /** Compose project name ([a-z0-9-]); the bucket name starts with it. */
  appName: string;
  /** prod: versioned, Pulumi `protect` and retained on destroy; other stages are emptied and deleted with the stack. */
  stage: Stage;
  /** AWS region of the stack (the app's S3 client must sign for it). */
  region: string;
  /** Tags for every taggable child. */
  tags: Record<string, string>;
}

/** Bucket names are global: the provider appends a unique suffix to this prefix (at most 37 characters). */
export function bucketPrefix(appName: string): string {
  return `${appName.slice(0, 30).replace(/-+$/, "")}-media-`;
}

/**
 * What the app's role may do with the bucket, and nothing else: list it (django-storages asks whether
 * a name exists before saving) and read, write and delete its objects.
 */
export function mediaAccessPolicy(bucketArn: string): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "ListMediaBucket", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [bucketArn] },
      { Sid: "ReadWriteMedia", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        Resource: [`${bucketArn}/*`] },
    ],
  };
}

/** Bucket policy: refuse every request that does not use TLS. */
export function tlsOnlyBucketPolicy(bucketArn: string): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "TlsOnly",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  };
}

/** The environment the app reads to use the bucket (see app/site_config/settings.py). */
export function mediaEnv(bucketName: string, region: string): Record<string, string> {
  return { MEDIA_BUCKET: bucketName, MEDIA_BUCKET_REGION: region };
}

export class MediaBucket extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  /** The IAM policy (JSON) a role needs to use the media: attach it to the role that runs the app. */
  readonly accessPolicy: pulumi.Output<string>;
  /** MEDIA_BUCKET and MEDIA_BUCKET_REGION for the app's environment. */
  readonly appEnv: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: MediaBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("compose-on-ec2:media:MediaBucket", name, {}, opts);
    const prod = args.stage === "prod";
    // prod: `protect` refuses a destroy; retainOnDelete keeps the data even if protect is lifted.
    const keep = { parent: this, protect: prod, retainOnDelete: prod };

    const bucket = new aws.s3.Bucket(
      `${name}-bucket`,
      { bucketPrefix: bucketPrefix(args.appName), forceDestroy: !prod, tags: args.tags },
      keep,
    );
    this.lockDown(name, bucket, prod);

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.accessPolicy = bucket.arn.apply((arn) => JSON.stringify(mediaAccessPolicy(arn)));
    this.appEnv = bucket.bucket.apply((b) => mediaEnv(b, args.region));
    this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn, accessPolicy: this.accessPolicy,
      appEnv: this.appEnv });
  }

  /** Private, owner-enforced (no ACLs), encrypted (SSE-S3: no key to pay for or manage), TLS only, versioned in prod. */
  private lockDown(name: string, bucket: aws.s3.Bucket, prod: boolean): void {
    const opts = { parent: this };
    const block = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true,
        restrictPublicBuckets: true },
      opts,
    );
    new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" } }, opts);
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
      opts,
    );
    // The deny-only policy is not public, but S3 evaluates it against the block: add it after.
    new aws.s3.BucketPolicy(`${name}-tls-only`, { bucket: bucket.id,
      policy: bucket.arn.apply((arn) => JSON.stringify(tlsOnlyBucketPolicy(arn))) }, { ...opts, dependsOn: [block] });
    if (prod) {
      new aws.s3.BucketVersioning(`${name}-versioning`, { bucket: bucket.id,
        versioningConfiguration: { status: "Enabled" } }, opts);
    }
  }
}
