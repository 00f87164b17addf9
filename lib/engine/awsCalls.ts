/* eslint-disable @typescript-eslint/no-explicit-any -- call arguments are untyped JSON here */
// The data-source calls the program makes, answered as AWS answers them (caller identity, region,
// VPC and subnets, instance type offerings, AMIs, RDS snapshots, SSM parameters, ECR) or refused as
// AWS refuses them. The AWS mock (awsMock.ts) routes every call here.
import { sessionContext } from "./awsKms";
import type { Account } from "./awsModel";
import type { AwsMockOptions } from "./awsMockTypes";
import { lookUpSnapshot } from "./awsRds";
import { sha } from "./awsResources";

/** What a call may ask of the mock: the account, its options, how it refuses and what it made up. */
export interface CallContext {
  account: Account;
  opts: AwsMockOptions;
  /** Values made up in AWS's place → what each stands for. */
  invented: Map<string, string>;
  reject: (what: string, message: string) => Error;
  /** Learns the subnets of these VPCs; the ids of the known subnets in them (all VPCs when undefined), default-for-AZ ones only when asked. */
  subnetIds: (vpcIds: string[] | undefined, defaultOnly: boolean) => string[];
}

/** The region's three availability zones the mock models. */
export function availabilityZones(region: string): string[] {
  return [0, 1, 2].map((i) => `${region}${"abc"[i]}`);
}

/** The answer to a data-source call the program makes; undefined for a token this model does not know. */
export function answerCall(cx: CallContext, token: string, inputs: Record<string, any>): Record<string, any>
  | undefined {
  const a = cx.account;
  switch (token) {
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId: a.accountId, arn: a.callerArn, userId: "AIDAMOCKUSER", id: a.accountId };
    case "aws:iam/getSessionContext:getSessionContext":
      return sessionContext(inputs.arn);
    case "aws:index/getRegion:getRegion":
      return { name: a.region, region: a.region, id: a.region, endpoint: `ec2.${a.region}.amazonaws.com`,
        description: a.region };
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws", reverseDnsPrefix: "com.amazonaws" };
    case "aws:index/getAvailabilityZones:getAvailabilityZones":
      return { names: availabilityZones(a.region), zoneIds: [0, 1, 2].map((i) => `use1-az${i + 1}`), id: a.region,
        groupNames: [a.region] };
    case "aws:rds/getSnapshot:getSnapshot": {
      const found = lookUpSnapshot(cx.opts.rdsSnapshots ?? [], a.accountId, inputs);
      if (typeof found === "string") throw cx.reject(token, found);
      return found;
    }
    case "aws:ssm/getParameter:getParameter": {
      const answer = amiParameter(cx, token, inputs.name ?? "");
      cx.invented.set(answer.value, "AMI, looked up at up");
      return answer;
    }
    case "aws:iam/getPolicyDocument:getPolicyDocument": {
      const statements = (inputs.statements ?? []).map((s: Record<string, any>) => ({
        Effect: s.effect ?? "Allow",
        Action: s.actions,
        Resource: s.resources,
        Principal: s.principals
          ? Object.fromEntries(
            s.principals.map((p: { type: string; identifiers: string[] }) => [p.type, p.identifiers]),
          )
          : undefined,
      }));
      return { json: JSON.stringify({ Version: "2012-10-17", Statement: statements }), id: "policy" };
    }
    default:
      return answerEc2(cx, token, inputs) ?? answerEcr(cx, token, inputs);
  }
}

/** The EC2 data sources: a VPC, its subnets, instance type offerings per zone, an AMI's architecture. */
function answerEc2(cx: CallContext, token: string, inputs: Record<string, any>): Record<string, any> | undefined {
  const a = cx.account;
  switch (token) {
    case "aws:ec2/getVpc:getVpc": {
      const id = inputs.id ?? (inputs.default ? a.defaultVpcId() : undefined);
      if (!id) throw cx.reject(token, "no matching EC2 VPC found (give id or default: true)");
      const isDefault = id === a.defaultVpcId();
      return { id, cidrBlock: isDefault ? "172.31.0.0/16" : "10.0.0.0/16", default: isDefault,
        arn: `arn:aws:ec2:${a.region}:${a.accountId}:vpc/${id}`, ownerId: a.accountId, state: "available",
        ipv6CidrBlock: "" };
    }
    case "aws:ec2/getSubnets:getSubnets": {
      const filters: { name: string; values: string[] }[] = inputs.filters ?? [];
      const vpcIds = filters.find((f) => f.name === "vpc-id")?.values;
      const defaultOnly = filters.find((f) => f.name === "default-for-az")?.values?.includes("true") ?? false;
      return { ids: cx.subnetIds(vpcIds, defaultOnly), filters, id: a.region };
    }
    case "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings": {
      if (inputs.locationType !== "availability-zone") {
        throw cx.reject(token, "this model answers locationType availability-zone only");
      }
      const types: string[] = (inputs.filters ?? []).find((f: { name: string }) => f.name === "instance-type")?.values
        ?? [];
      const offers = types.flatMap((t) =>
        availabilityZones(a.region).filter((az) => !(cx.opts.instanceTypeMissingIn?.[t] ?? []).includes(az)).map((
          az,
        ) => ({ t, a: az }))
      );
      return { id: a.region, instanceTypes: offers.map((o) => o.t), locations: offers.map((o) => o.a),
        locationTypes: offers.map(() => "availability-zone"), locationType: "availability-zone",
        filters: inputs.filters, region: a.region };
    }
    case "aws:ec2/getSubnet:getSubnet": {
      const s = a.subnetById(inputs.id);
      return { id: s.id, vpcId: s.vpcId, availabilityZone: s.availabilityZone, defaultForAz: s.defaultForAz,
        cidrBlock: "172.31.0.0/20", mapPublicIpOnLaunch: true,
        arn: `arn:aws:ec2:${a.region}:${a.accountId}:subnet/${s.id}` };
    }
    case "aws:ec2/getAmi:getAmi": {
      // DescribeImages by image id: the image's own Architecture (x86_64, arm64, …).
      const id = (inputs.filters ?? []).find((f: { name: string }) => f.name === "image-id")?.values?.[0];
      if (!id) throw cx.reject(token, "this model answers an image-id filter only");
      return { id, imageId: id, architecture: cx.opts.amiArchitectures?.[id] ?? "x86_64", state: "available",
        filters: inputs.filters, mostRecent: inputs.mostRecent ?? false };
    }
    default:
      return undefined;
  }
}

/** The ECR data sources: the registry's login, a repository's tags, one tag's image. */
function answerEcr(cx: CallContext, token: string, inputs: Record<string, any>): Record<string, any> | undefined {
  const a = cx.account;
  switch (token) {
    case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
      return { authorizationToken: Buffer.from("AWS:mock-token").toString("base64"), userName: "AWS",
        password: "mock-token", proxyEndpoint: `https://${a.accountId}.dkr.ecr.${a.region}.amazonaws.com`,
        expiresAt: "2030-01-01T00:00:00Z", id: a.region };
    // ListImages: one entry per tag; an empty (or new) repository lists nothing.
    case "aws:ecr/getImages:getImages": {
      const images = cx.opts.ecrImages?.[inputs.repositoryName] ?? [];
      return { repositoryName: inputs.repositoryName, registryId: a.accountId, region: a.region,
        id: inputs.repositoryName,
        imageIds: images.map((i) => ({ imageTag: i.tag,
          imageDigest: `sha256:${sha("ecr", inputs.repositoryName, i.tag)}` })
        ) };
    }
    // DescribeImages of one tag: ImageNotFoundException when the repository has no such tag.
    case "aws:ecr/getImage:getImage": {
      const found = (cx.opts.ecrImages?.[inputs.repositoryName] ?? []).find((i) => i.tag === inputs.imageTag);
      if (!found) {
        throw cx.reject(token,
          `ImageNotFoundException: the image with imageId {imageTag:'${
            String(inputs.imageTag)
          }'} does not exist within the repository with name '${String(inputs.repositoryName)}'`);
      }
      return {
        repositoryName: inputs.repositoryName,
        registryId: a.accountId,
        imageTag: found.tag,
        imageTags: [found.tag],
        imagePushedAt: found.pushedAt,
        imageDigest: `sha256:${sha("ecr", inputs.repositoryName, found.tag)}`,
        imageSizeInBytes: 1,
        imageUri: `${a.accountId}.dkr.ecr.${a.region}.amazonaws.com/${String(inputs.repositoryName)}:${found.tag}`,
        id: found.tag,
      };
    }
    default:
      return undefined;
  }
}

/** The public SSM parameters AWS publishes for AMIs (Amazon Linux 2023, Canonical's Ubuntu). */
function amiParameter(cx: CallContext, token: string, name: string): Record<string, any> {
  const a = cx.account;
  const known =
    /^\/aws\/service\/ami-amazon-linux-latest\/al2023-ami-kernel-(default|6\.\d+)-(x86_64|arm64)$/.test(name)
    || /^\/aws\/service\/canonical\/ubuntu\/server\/(22\.04|24\.04)\/stable\/current\/(amd64|arm64)\/hvm\/ebs-gp3\/ami-id$/
      .test(name);
  if (!known) throw cx.reject(token, `ParameterNotFound: ${name}`);
  return { name, value: `ami-${sha("ami", a.region, name).slice(0, 17)}`, type: "String", version: 1,
    arn: `arn:aws:ssm:${a.region}::parameter${name}`, id: name, insecureValue: "" };
}
