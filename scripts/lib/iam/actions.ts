// What each resource type and data source the program uses needs from AWS, as IAM actions: the API
// calls the provider makes to create, read, update, tag and delete it (and to wait for it). One row per
// type token the offline plan registers (scripts/lib/plan) and per function token it invokes; a unit
// test fails when a plan uses a token that has no row here.
//
// Sources: AWS Service Authorization Reference, one page per service (actions, resource types,
// condition keys): https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
// (list_amazonec2.html, list_amazonrds.html, list_awsidentityandaccessmanagementiam.html,
// list_amazoncloudwatch.html, list_amazoncloudwatchlogs.html, list_amazonsns.html,
// list_amazonelasticcontainerregistry.html, list_amazons3.html, list_awssystemsmanager.html,
// list_elasticloadbalancingv2.html, list_amazonelasticcontainerservice.html,
// list_applicationautoscaling.html, list_awscertificatemanager.html, list_amazonroute53.html),
// and the API reference of each call (e.g. CloudWatch PutMetricAlarm: "The iam:CreateServiceLinkedRole
// permission for all alarms with EC2 actions"; ec2:DescribeInstanceStatus / DescribeInstances for
// alarms on instance status metrics; ec2:RecoverInstances / RebootInstances for those actions).

export interface TokenActions {
  /** IAM actions, `service:Action`. Empty: no AWS call (a local provider, or an engine-side helper). */
  actions: string[];
  /** Why, when not obvious. */
  note?: string;
}

const TAGS_EC2 = ["ec2:CreateTags", "ec2:DeleteTags"];

/** Resource types (`pulumi type token`) → actions. */
export const RESOURCE_ACTIONS: Record<string, TokenActions> = {
  // EC2 and VPC
  "aws:ec2/securityGroup:SecurityGroup": { actions: ["ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup", "ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules", "ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress", "ec2:DescribeNetworkInterfaces", ...TAGS_EC2], note: "the provider revokes the default egress rule and waits for ENIs on delete" },
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": { actions: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DescribeSecurityGroupRules", "ec2:ModifySecurityGroupRules", ...TAGS_EC2] },
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": { actions: ["ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupEgress", "ec2:DescribeSecurityGroupRules", "ec2:ModifySecurityGroupRules", ...TAGS_EC2] },
  "aws:ec2/instance:Instance": {
    actions: ["ec2:RunInstances", "ec2:TerminateInstances", "ec2:DescribeInstances", "ec2:DescribeInstanceAttribute", "ec2:DescribeInstanceTypes", "ec2:DescribeInstanceCreditSpecifications", "ec2:ModifyInstanceAttribute", "ec2:ModifyInstanceMetadataOptions", "ec2:StopInstances", "ec2:StartInstances", "ec2:DescribeVolumes", "ec2:DescribeTags", ...TAGS_EC2],
    note: "RunInstances with an instance profile also needs iam:PassRole (passRoleStatements)",
  },
  "aws:ec2/eip:Eip": { actions: ["ec2:AllocateAddress", "ec2:ReleaseAddress", "ec2:DescribeAddresses", "ec2:DescribeAddressesAttribute", ...TAGS_EC2] },
  "aws:ec2/eipAssociation:EipAssociation": { actions: ["ec2:AssociateAddress", "ec2:DisassociateAddress", "ec2:DescribeAddresses"] },
  "aws:ec2/keyPair:KeyPair": { actions: ["ec2:ImportKeyPair", "ec2:DeleteKeyPair", "ec2:DescribeKeyPairs", ...TAGS_EC2] },
  // IAM (the stack's own roles only: scoped in the policy by path)
  "aws:iam/role:Role": { actions: ["iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole"] },
  "aws:iam/rolePolicy:RolePolicy": { actions: ["iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"] },
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": { actions: ["iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:ListAttachedRolePolicies"] },
  "aws:iam/instanceProfile:InstanceProfile": { actions: ["iam:CreateInstanceProfile", "iam:DeleteInstanceProfile", "iam:GetInstanceProfile", "iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:TagInstanceProfile", "iam:UntagInstanceProfile"] },
  // RDS
  "aws:rds/subnetGroup:SubnetGroup": { actions: ["rds:CreateDBSubnetGroup", "rds:DeleteDBSubnetGroup", "rds:DescribeDBSubnetGroups", "rds:ModifyDBSubnetGroup", "rds:AddTagsToResource", "rds:RemoveTagsFromResource", "rds:ListTagsForResource"] },
  "aws:elasticache/subnetGroup:SubnetGroup": { actions: ["elasticache:CreateCacheSubnetGroup", "elasticache:DeleteCacheSubnetGroup", "elasticache:DescribeCacheSubnetGroups", "elasticache:ModifyCacheSubnetGroup", "elasticache:AddTagsToResource", "elasticache:RemoveTagsFromResource", "elasticache:ListTagsForResource"] },
  "aws:elasticache/replicationGroup:ReplicationGroup": {
    actions: ["elasticache:CreateReplicationGroup", "elasticache:DeleteReplicationGroup", "elasticache:DescribeReplicationGroups", "elasticache:ModifyReplicationGroup", "elasticache:DescribeCacheClusters", "elasticache:AddTagsToResource", "elasticache:RemoveTagsFromResource", "elasticache:ListTagsForResource"],
    note: "the first cache of an account creates the ElastiCache service-linked role (AWSServiceRoleForElastiCache)",
  },
  "aws:rds/instance:Instance": {
    actions: ["rds:CreateDBInstance", "rds:DeleteDBInstance", "rds:DescribeDBInstances", "rds:ModifyDBInstance", "rds:RebootDBInstance", "rds:AddTagsToResource", "rds:RemoveTagsFromResource", "rds:ListTagsForResource", "rds:DescribeDBSnapshots", "rds:CreateDBSnapshot", "rds:DescribeDBEngineVersions", "rds:DescribeOrderableDBInstanceOptions"],
    note: "a final snapshot on delete (prod) is CreateDBSnapshot; the first DB instance of an account creates the RDS service-linked role",
  },
  // CloudWatch, Logs, SNS
  "aws:cloudwatch/logGroup:LogGroup": { actions: ["logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:DescribeLogGroups", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy", "logs:TagResource", "logs:UntagResource", "logs:ListTagsForResource"] },
  "aws:cloudwatch/metricAlarm:MetricAlarm": {
    actions: ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource", "cloudwatch:ListTagsForResource", "ec2:DescribeInstanceStatus", "ec2:DescribeInstances", "ec2:DescribeInstanceRecoveryAttribute", "ec2:RecoverInstances", "ec2:RebootInstances"],
    note: "PutMetricAlarm with EC2 actions (recover, reboot) needs the EC2 permissions and iam:CreateServiceLinkedRole (events.amazonaws.com)",
  },
  "aws:sns/topic:Topic": { actions: ["sns:CreateTopic", "sns:DeleteTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:TagResource", "sns:UntagResource", "sns:ListTagsForResource"] },
  "aws:sns/topicSubscription:TopicSubscription": { actions: ["sns:Subscribe", "sns:Unsubscribe", "sns:GetSubscriptionAttributes", "sns:SetSubscriptionAttributes", "sns:ListSubscriptionsByTopic"] },
  // ECR (registry mode and ecs)
  "aws:ecr/repository:Repository": { actions: ["ecr:CreateRepository", "ecr:DeleteRepository", "ecr:DescribeRepositories", "ecr:PutImageScanningConfiguration", "ecr:PutImageTagMutability", "ecr:TagResource", "ecr:UntagResource", "ecr:ListTagsForResource", "ecr:BatchDeleteImage", "ecr:ListImages"], note: "forceDelete deletes the images first" },
  "aws:ecr/lifecyclePolicy:LifecyclePolicy": { actions: ["ecr:PutLifecyclePolicy", "ecr:GetLifecyclePolicy", "ecr:DeleteLifecyclePolicy"] },
  // S3 (media bucket)
  "aws:s3/bucket:Bucket": {
    actions: ["s3:CreateBucket", "s3:DeleteBucket", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketTagging", "s3:PutBucketTagging", "s3:GetBucketPolicy", "s3:GetBucketAcl", "s3:GetBucketCORS", "s3:GetBucketWebsite", "s3:GetBucketVersioning", "s3:GetAccelerateConfiguration", "s3:GetBucketRequestPayment", "s3:GetBucketLogging", "s3:GetLifecycleConfiguration", "s3:GetReplicationConfiguration", "s3:GetEncryptionConfiguration", "s3:GetBucketObjectLockConfiguration", "s3:GetBucketOwnershipControls", "s3:GetBucketPublicAccessBlock"],
    note: "the provider reads every bucket sub-configuration on refresh",
  },
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": { actions: ["s3:PutBucketOwnershipControls", "s3:GetBucketOwnershipControls"] },
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": { actions: ["s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock"] },
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": { actions: ["s3:PutEncryptionConfiguration", "s3:GetEncryptionConfiguration"] },
  "aws:s3/bucketVersioning:BucketVersioning": { actions: ["s3:PutBucketVersioning", "s3:GetBucketVersioning"] },
  "aws:s3/bucketPolicy:BucketPolicy": { actions: ["s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy"] },
  // SSM Parameter Store (ecs secrets)
  "aws:ssm/parameter:Parameter": { actions: ["ssm:PutParameter", "ssm:GetParameter", "ssm:GetParameters", "ssm:DeleteParameter", "ssm:DescribeParameters", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource", "ssm:ListTagsForResource"], note: "SecureString with the AWS managed key aws/ssm needs no kms grant in the same account" },
  // KMS: prod's own key for the SSM parameters (components/ecs.ts secretsKeyPolicy). The key policy names
  // the deploying role, so its crypto calls through SSM need no IAM grant; CreateKey has no key yet.
  "aws:kms/key:Key": { actions: ["kms:CreateKey", "kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:GetKeyRotationStatus", "kms:EnableKeyRotation", "kms:DisableKeyRotation", "kms:ListResourceTags", "kms:TagResource", "kms:UntagResource", "kms:UpdateKeyDescription", "kms:ScheduleKeyDeletion"], note: "encrypting and decrypting the parameters: allowed to the deploying role by the key policy itself" },
  // Load balancer
  "aws:lb/loadBalancer:LoadBalancer": { actions: ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancerAttributes", "elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:SetSecurityGroups", "elasticloadbalancing:SetSubnets", "elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags", "elasticloadbalancing:DescribeTags"] },
  "aws:lb/targetGroup:TargetGroup": { actions: ["elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:DeleteTargetGroup", "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetGroupAttributes", "elasticloadbalancing:ModifyTargetGroup", "elasticloadbalancing:ModifyTargetGroupAttributes", "elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags", "elasticloadbalancing:DescribeTags"] },
  "aws:lb/listener:Listener": { actions: ["elasticloadbalancing:CreateListener", "elasticloadbalancing:DeleteListener", "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeListenerAttributes", "elasticloadbalancing:ModifyListener", "elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags", "elasticloadbalancing:DescribeTags"] },
  // ECS and its autoscaling
  "aws:ecs/cluster:Cluster": { actions: ["ecs:CreateCluster", "ecs:DeleteCluster", "ecs:DescribeClusters", "ecs:UpdateCluster", "ecs:PutClusterCapacityProviders", "ecs:TagResource", "ecs:UntagResource", "ecs:ListTagsForResource"] },
  "aws:ecs/taskDefinition:TaskDefinition": { actions: ["ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition", "ecs:DescribeTaskDefinition", "ecs:TagResource", "ecs:UntagResource", "ecs:ListTagsForResource"], note: "task and execution roles: iam:PassRole to ecs-tasks.amazonaws.com" },
  "aws:ecs/service:Service": { actions: ["ecs:CreateService", "ecs:DeleteService", "ecs:DescribeServices", "ecs:UpdateService", "ecs:ListTasks", "ecs:DescribeTasks", "ecs:TagResource", "ecs:UntagResource", "ecs:ListTagsForResource"], note: "the first service of an account creates the ECS service-linked role" },
  "aws:appautoscaling/target:Target": { actions: ["application-autoscaling:RegisterScalableTarget", "application-autoscaling:DeregisterScalableTarget", "application-autoscaling:DescribeScalableTargets", "application-autoscaling:TagResource", "application-autoscaling:UntagResource", "application-autoscaling:ListTagsForResource"], note: "creates the ECS scaling service-linked role on first use" },
  "aws:appautoscaling/policy:Policy": { actions: ["application-autoscaling:PutScalingPolicy", "application-autoscaling:DeleteScalingPolicy", "application-autoscaling:DescribeScalingPolicies", "cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms"], note: "target tracking creates its own CloudWatch alarms with the caller's permissions" },
  // Certificates and DNS
  "aws:acm/certificate:Certificate": { actions: ["acm:RequestCertificate", "acm:DeleteCertificate", "acm:DescribeCertificate", "acm:ListTagsForCertificate", "acm:AddTagsToCertificate", "acm:RemoveTagsFromCertificate"] },
  "aws:acm/certificateValidation:CertificateValidation": { actions: ["acm:DescribeCertificate"] },
  "aws:route53/record:Record": { actions: ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:GetChange", "route53:GetHostedZone"] },
  // Providers that make no AWS call themselves.
  "random:index/randomPassword:RandomPassword": { actions: [] },
  "random:index/randomId:RandomId": { actions: [] },
  "tls:index/privateKey:PrivateKey": { actions: [] },
  "command:remote:Command": { actions: [], note: "SSH to the host" },
  "command:remote:CopyToRemote": { actions: [], note: "SSH to the host" },
  "command:local:Command": { actions: [], note: "runs on the runner; with transport ssm the session needs ssm:StartSession (ssmSessionStatement)" },
  "docker:index/image:Image": { actions: ["ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], note: "push to ECR, pull the cache image" },
};

/** Data sources (function tokens) → actions. */
export const CALL_ACTIONS: Record<string, TokenActions> = {
  "aws:index/getCallerIdentity:getCallerIdentity": { actions: [], note: "sts:GetCallerIdentity needs no permission" },
  "aws:iam/getSessionContext:getSessionContext": { actions: ["iam:GetRole"], note: "reads the deploying role itself (its path) for the secrets key's policy: statement ReadDeployingRole" },
  "aws:index/getRegion:getRegion": { actions: [], note: "answered by the provider from its configuration" },
  "aws:index/getPartition:getPartition": { actions: [], note: "answered by the provider from its configuration" },
  "aws:index/getAvailabilityZones:getAvailabilityZones": { actions: ["ec2:DescribeAvailabilityZones"] },
  "aws:ec2/getVpc:getVpc": { actions: ["ec2:DescribeVpcs", "ec2:DescribeVpcAttribute"] },
  "aws:ec2/getSubnets:getSubnets": { actions: ["ec2:DescribeSubnets"] },
  "aws:ec2/getSubnet:getSubnet": { actions: ["ec2:DescribeSubnets"] },
  "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings": { actions: ["ec2:DescribeInstanceTypeOfferings"] },
  "aws:ec2/getAmi:getAmi": { actions: ["ec2:DescribeImages"] },
  "aws:ssm/getParameter:getParameter": { actions: ["ssm:GetParameter"], note: "AWS's public AMI parameters" },
  "aws:ecr/getAuthorizationToken:getAuthorizationToken": { actions: ["ecr:GetAuthorizationToken"] },
  // getImages, then getImage of each listed tag (only once the repository holds images, so a plan of a
  // first run never shows the second call): both actions belong to the one step.
  "aws:ecr/getImages:getImages": { actions: ["ecr:ListImages", "ecr:DescribeImages"] },
  "aws:ecr/getImage:getImage": { actions: ["ecr:DescribeImages"] },
  "aws:iam/getPolicyDocument:getPolicyDocument": { actions: [], note: "rendered by the provider, no AWS call" },
};

/**
 * Service-linked roles AWS creates on the first use of a service in an account (the caller needs
 * iam:CreateServiceLinkedRole for that service name), keyed by the resource type that triggers it.
 */
export const SERVICE_LINKED_ROLES: Record<string, string> = {
  "aws:rds/instance:Instance": "rds.amazonaws.com",
  // PutMetricAlarm with EC2 actions (AWSServiceRoleForCloudWatchEvents): the host's recover and reboot
  // alarms, which exist exactly when the EC2 host does; the ecs path's alarms have no EC2 action.
  "aws:ec2/instance:Instance": "events.amazonaws.com",
  "aws:elasticache/replicationGroup:ReplicationGroup": "elasticache.amazonaws.com",
  "aws:ecs/service:Service": "ecs.amazonaws.com",
  "aws:lb/loadBalancer:LoadBalancer": "elasticloadbalancing.amazonaws.com",
  "aws:appautoscaling/target:Target": "ecs.application-autoscaling.amazonaws.com",
};

/** The service each of the stack's role kinds is passed to (iam:PassedToService), by the type that passes it. */
export const PASSED_TO_SERVICE: Record<string, string> = {
  "aws:ec2/instance:Instance": "ec2.amazonaws.com",
  "aws:ecs/taskDefinition:TaskDefinition": "ecs-tasks.amazonaws.com",
};
