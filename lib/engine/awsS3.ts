/* eslint-disable @typescript-eslint/no-explicit-any -- provider inputs are untyped JSON here */
// The AWS mock's model of an S3 bucket and its configuration resources (CreateBucket,
// PutPublicAccessBlock, PutBucketOwnershipControls, PutBucketEncryption, PutBucketVersioning,
// PutBucketPolicy), written from the S3 User Guide and API reference.
import type { Account, Computed, Fail, Model } from "./awsModel";
import { sha } from "./ids";

const BUCKET = "aws:s3/bucket:Bucket";
const BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";

/**
 * General purpose bucket naming rules (S3 User Guide, "Bucket naming rules"): 3–63 characters of
 * lowercase letters, digits, dots and hyphens; a letter or digit first and last; no two adjacent
 * dots; not an IP address; not starting with xn--, sthree- or amzn-s3-demo-; not ending with
 * -s3alias, --ol-s3, .mrap, --x-s3 or --table-s3.
 */
export function bucketNameProblem(name: unknown): string | undefined {
  const s = typeof name === "string" ? name : "";
  const bad = !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s) || s.includes("..") || /^\d+\.\d+\.\d+\.\d+$/.test(s)
    || /^(xn--|sthree-|amzn-s3-demo-)/.test(s) || /(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(s);
  return bad ? `InvalidBucketName: ${s}` : undefined;
}

function bucket(a: Account, name: string, inputs: Record<string, any>, fail: Fail): Computed {
  // The provider refuses a bucket_prefix longer than 37 characters and appends a 26-character unique suffix.
  if (inputs.bucketPrefix !== undefined && String(inputs.bucketPrefix).length > 37) {
    throw fail("bucket_prefix cannot be longer than 37 characters");
  }
  const bucketName: string = inputs.bucket
    ?? `${inputs.bucketPrefix ?? `${name.toLowerCase()}-`}${sha("bucket", name).slice(0, 26)}`;
  const problem = bucketNameProblem(bucketName);
  if (problem) throw fail(problem);
  if (a.existing(BUCKET, "bucket", bucketName)) throw fail(`BucketAlreadyOwnedByYou: ${bucketName}`);
  return {
    id: bucketName,
    computed: {
      bucket: bucketName,
      arn: `arn:aws:s3:::${bucketName}`,
      region: a.region,
      bucketDomainName: `${bucketName}.s3.amazonaws.com`,
      bucketRegionalDomainName: `${bucketName}.s3.${a.region}.amazonaws.com`,
      hostedZoneId: "Z3AQBSTGFYJSTF",
    },
  };
}

/** Every bucket sub-resource names an existing bucket. */
function onBucket(check: (a: Account, inputs: Record<string, any>, fail: Fail) => void): Model {
  return (a, _name, inputs, fail) => {
    if (!a.existing(BUCKET, "id", inputs.bucket)) throw fail(`NoSuchBucket: ${inputs.bucket}`);
    check(a, inputs, fail);
    return { id: inputs.bucket, computed: {} };
  };
}

/** A bucket policy is public when an Allow statement names Principal "*" without a condition (S3 "The meaning of public"). */
function isPublicPolicy(policy: string): boolean {
  const doc = JSON.parse(policy) as { Statement?: Record<string, any>[] };
  return (doc.Statement ?? []).some((s) =>
    s.Effect === "Allow" && (s.Principal === "*" || s.Principal?.AWS === "*") && s.Condition === undefined
  );
}

export const S3_MODELS: Record<string, Model> = {
  [BUCKET]: bucket,
  [BLOCK]: onBucket(() => undefined),
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": onBucket((_a, inputs, fail) => {
    if (!["BucketOwnerPreferred", "ObjectWriter", "BucketOwnerEnforced"].includes(inputs.rule?.objectOwnership)) {
      throw fail(`MalformedXML: object ownership ${inputs.rule?.objectOwnership}`);
    }
  }),
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": onBucket(
    (_a, inputs, fail) => {
      for (const r of inputs.rules ?? []) {
        const d = r.applyServerSideEncryptionByDefault ?? {};
        if (!["AES256", "aws:kms", "aws:kms:dsse"].includes(d.sseAlgorithm)) {
          throw fail(`MalformedXML: SSE algorithm ${d.sseAlgorithm}`);
        }
        if (d.kmsMasterKeyId !== undefined && d.sseAlgorithm === "AES256") {
          throw fail("InvalidArgument: a KMS key applies to aws:kms only");
        }
      }
    },
  ),
  "aws:s3/bucketVersioning:BucketVersioning": onBucket((_a, inputs, fail) => {
    if (!["Enabled", "Suspended", "Disabled"].includes(inputs.versioningConfiguration?.status)) {
      throw fail(`MalformedXML: versioning status ${inputs.versioningConfiguration?.status}`);
    }
  }),
  "aws:s3/bucketPolicy:BucketPolicy": onBucket((a, inputs, fail) => {
    try {
      JSON.parse(inputs.policy);
    } catch {
      throw fail("MalformedPolicy: not JSON");
    }
    const block = a.existing(BLOCK, "id", inputs.bucket);
    if (block?.inputs.blockPublicPolicy && isPublicPolicy(inputs.policy)) {
      throw fail("AccessDenied: public policies are blocked by the BlockPublicPolicy block public access setting");
    }
  }),
};
