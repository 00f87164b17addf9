// IAM actions of the resources of images, media, secrets and the ecs hosting: ECR, S3, SSM, KMS, the
// load balancer, ECS and its autoscaling, certificates and DNS; and the providers that call no AWS
// API (sources: scripts/lib/iam/actions.ts).
import type { TokenActions } from "./actions";

/** Resource types (`pulumi type token`) → actions: images, media, secrets, the ecs hosting, certificates and DNS. */
export const SERVICE_RESOURCE_ACTIONS: Record<string, TokenActions> = {
  // ECR (registry mode and ecs)
  "aws:ecr/repository:Repository": {
    actions: ["ecr:CreateRepository", "ecr:DeleteRepository", "ecr:DescribeRepositories",
      "ecr:PutImageScanningConfiguration", "ecr:PutImageTagMutability", "ecr:TagResource", "ecr:UntagResource",
      "ecr:ListTagsForResource", "ecr:BatchDeleteImage", "ecr:ListImages"],
    note: "forceDelete deletes the images first",
  },
  "aws:ecr/lifecyclePolicy:LifecyclePolicy": {
    actions: ["ecr:PutLifecyclePolicy", "ecr:GetLifecyclePolicy", "ecr:DeleteLifecyclePolicy"],
  },
  // S3 (media bucket)
  "aws:s3/bucket:Bucket": {
    actions: ["s3:CreateBucket", "s3:DeleteBucket", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketTagging",
      "s3:PutBucketTagging", "s3:GetBucketPolicy", "s3:GetBucketAcl", "s3:GetBucketCORS", "s3:GetBucketWebsite",
      "s3:GetBucketVersioning", "s3:GetAccelerateConfiguration", "s3:GetBucketRequestPayment", "s3:GetBucketLogging",
      "s3:GetLifecycleConfiguration", "s3:GetReplicationConfiguration", "s3:GetEncryptionConfiguration",
      "s3:GetBucketObjectLockConfiguration", "s3:GetBucketOwnershipControls", "s3:GetBucketPublicAccessBlock"],
    note: "the provider reads every bucket sub-configuration on refresh",
  },
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": {
    actions: ["s3:PutBucketOwnershipControls", "s3:GetBucketOwnershipControls"],
  },
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": {
    actions: ["s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock"],
  },
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": {
    actions: ["s3:PutEncryptionConfiguration", "s3:GetEncryptionConfiguration"],
  },
  "aws:s3/bucketVersioning:BucketVersioning": { actions: ["s3:PutBucketVersioning", "s3:GetBucketVersioning"] },
  "aws:s3/bucketPolicy:BucketPolicy": {
    actions: ["s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy"],
  },
  // SSM Parameter Store (ecs secrets)
  "aws:ssm/parameter:Parameter": {
    actions: ["ssm:PutParameter", "ssm:GetParameter", "ssm:GetParameters", "ssm:DeleteParameter",
      "ssm:DescribeParameters", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource", "ssm:ListTagsForResource"],
    note: "SecureString with the AWS managed key aws/ssm needs no kms grant in the same account",
  },
  // KMS: prod's own key for the SSM parameters (components/ecs.ts secretsKeyPolicy). The key policy names
  // the deploying role, so its crypto calls through SSM need no IAM grant; CreateKey has no key yet.
  "aws:kms/key:Key": {
    actions: ["kms:CreateKey", "kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:GetKeyRotationStatus",
      "kms:EnableKeyRotation", "kms:DisableKeyRotation", "kms:ListResourceTags", "kms:TagResource", "kms:UntagResource",
      "kms:UpdateKeyDescription", "kms:ScheduleKeyDeletion"],
    note: "encrypting and decrypting the parameters: allowed to the deploying role by the key policy itself",
  },
  // Load balancer
  "aws:lb/loadBalancer:LoadBalancer": {
    actions: ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:DeleteLoadBalancer",
      "elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancerAttributes",
      "elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:SetSecurityGroups",
      "elasticloadbalancing:SetSubnets", "elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags",
      "elasticloadbalancing:DescribeTags"],
  },
  "aws:lb/targetGroup:TargetGroup": {
    actions: ["elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:DeleteTargetGroup",
      "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetGroupAttributes",
      "elasticloadbalancing:ModifyTargetGroup", "elasticloadbalancing:ModifyTargetGroupAttributes",
      "elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags", "elasticloadbalancing:DescribeTags"],
  },
  "aws:lb/listener:Listener": {
    actions: ["elasticloadbalancing:CreateListener", "elasticloadbalancing:DeleteListener",
      "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeListenerAttributes",
      "elasticloadbalancing:ModifyListener", "elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags",
      "elasticloadbalancing:DescribeTags"],
  },
  // ECS and its autoscaling
  "aws:ecs/cluster:Cluster": {
    actions: ["ecs:CreateCluster", "ecs:DeleteCluster", "ecs:DescribeClusters", "ecs:UpdateCluster",
      "ecs:PutClusterCapacityProviders", "ecs:TagResource", "ecs:UntagResource", "ecs:ListTagsForResource"],
  },
  "aws:ecs/taskDefinition:TaskDefinition": {
    actions: ["ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition", "ecs:DescribeTaskDefinition",
      "ecs:TagResource", "ecs:UntagResource", "ecs:ListTagsForResource"],
    note: "task and execution roles: iam:PassRole to ecs-tasks.amazonaws.com",
  },
  "aws:ecs/service:Service": {
    actions: ["ecs:CreateService", "ecs:DeleteService", "ecs:DescribeServices", "ecs:UpdateService", "ecs:ListTasks",
      "ecs:DescribeTasks", "ecs:TagResource", "ecs:UntagResource", "ecs:ListTagsForResource"],
    note: "the first service of an account creates the ECS service-linked role",
  },
  "aws:appautoscaling/target:Target": {
    actions: ["application-autoscaling:RegisterScalableTarget", "application-autoscaling:DeregisterScalableTarget",
      "application-autoscaling:DescribeScalableTargets", "application-autoscaling:TagResource",
      "application-autoscaling:UntagResource", "application-autoscaling:ListTagsForResource"],
    note: "creates the ECS scaling service-linked role on first use",
  },
  "aws:appautoscaling/policy:Policy": {
    actions: ["application-autoscaling:PutScalingPolicy", "application-autoscaling:DeleteScalingPolicy",
      "application-autoscaling:DescribeScalingPolicies", "cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms",
      "cloudwatch:DescribeAlarms"],
    note: "target tracking creates its own CloudWatch alarms with the caller's permissions",
  },
  // Certificates and DNS
  "aws:acm/certificate:Certificate": {
    actions: ["acm:RequestCertificate", "acm:DeleteCertificate", "acm:DescribeCertificate",
      "acm:ListTagsForCertificate", "acm:AddTagsToCertificate", "acm:RemoveTagsFromCertificate"],
  },
  "aws:acm/certificateValidation:CertificateValidation": { actions: ["acm:DescribeCertificate"] },
  "aws:route53/record:Record": {
    actions: ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:GetChange",
      "route53:GetHostedZone"],
  },
  // Providers that make no AWS call themselves.
  "random:index/randomPassword:RandomPassword": { actions: [] },
  "random:index/randomId:RandomId": { actions: [] },
  "tls:index/privateKey:PrivateKey": { actions: [] },
  "command:remote:Command": { actions: [], note: "SSH to the host" },
  "command:remote:CopyToRemote": { actions: [], note: "SSH to the host" },
  "command:local:Command": { actions: [],
    note: "runs on the runner; with transport ssm the session needs ssm:StartSession (ssmSessionStatement)" },
  "docker:index/image:Image": {
    actions: ["ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
      "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
    note: "push to ECR, pull the cache image",
  },
};
