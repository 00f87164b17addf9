// IAM actions of the resources of the host and what every stack has: EC2 and VPC, the stack's IAM
// roles, RDS, ElastiCache, CloudWatch, Logs and SNS (sources: scripts/lib/iam/actions.ts).
import type { TokenActions } from "./actions";

const TAGS_EC2 = ["ec2:CreateTags", "ec2:DeleteTags"];

/** Resource types (`pulumi type token`) → actions: the host, its roles, database, cache and monitoring. */
export const HOST_RESOURCE_ACTIONS: Record<string, TokenActions> = {
  // EC2 and VPC
  "aws:ec2/securityGroup:SecurityGroup": {
    actions: ["ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup", "ec2:DescribeSecurityGroups",
      "ec2:DescribeSecurityGroupRules", "ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress",
      "ec2:AuthorizeSecurityGroupEgress", "ec2:DescribeNetworkInterfaces", ...TAGS_EC2],
    note: "the provider revokes the default egress rule and waits for ENIs on delete",
  },
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {
    actions: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DescribeSecurityGroupRules",
      "ec2:ModifySecurityGroupRules", ...TAGS_EC2],
  },
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": {
    actions: ["ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupEgress", "ec2:DescribeSecurityGroupRules",
      "ec2:ModifySecurityGroupRules", ...TAGS_EC2],
  },
  "aws:ec2/instance:Instance": {
    actions: ["ec2:RunInstances", "ec2:TerminateInstances", "ec2:DescribeInstances", "ec2:DescribeInstanceAttribute",
      "ec2:DescribeInstanceTypes", "ec2:DescribeInstanceCreditSpecifications", "ec2:ModifyInstanceAttribute",
      "ec2:ModifyInstanceMetadataOptions", "ec2:StopInstances", "ec2:StartInstances", "ec2:DescribeVolumes",
      "ec2:DescribeTags", ...TAGS_EC2],
    note: "RunInstances with an instance profile also needs iam:PassRole (passRoleStatements)",
  },
  "aws:ec2/eip:Eip": {
    actions: ["ec2:AllocateAddress", "ec2:ReleaseAddress", "ec2:DescribeAddresses", "ec2:DescribeAddressesAttribute",
      ...TAGS_EC2],
  },
  "aws:ec2/eipAssociation:EipAssociation": {
    actions: ["ec2:AssociateAddress", "ec2:DisassociateAddress", "ec2:DescribeAddresses"],
  },
  "aws:ec2/keyPair:KeyPair": {
    actions: ["ec2:ImportKeyPair", "ec2:DeleteKeyPair", "ec2:DescribeKeyPairs", ...TAGS_EC2],
  },
  // IAM (the stack's own roles only: scoped in the policy by path)
  "aws:iam/role:Role": {
    actions: ["iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy",
      "iam:TagRole", "iam:UntagRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole"],
  },
  "aws:iam/rolePolicy:RolePolicy": { actions: ["iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"] },
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": {
    actions: ["iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:ListAttachedRolePolicies"],
  },
  "aws:iam/instanceProfile:InstanceProfile": {
    actions: ["iam:CreateInstanceProfile", "iam:DeleteInstanceProfile", "iam:GetInstanceProfile",
      "iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:TagInstanceProfile",
      "iam:UntagInstanceProfile"],
  },
  // RDS
  "aws:rds/subnetGroup:SubnetGroup": {
    actions: ["rds:CreateDBSubnetGroup", "rds:DeleteDBSubnetGroup", "rds:DescribeDBSubnetGroups",
      "rds:ModifyDBSubnetGroup", "rds:AddTagsToResource", "rds:RemoveTagsFromResource", "rds:ListTagsForResource"],
  },
  "aws:elasticache/subnetGroup:SubnetGroup": {
    actions: ["elasticache:CreateCacheSubnetGroup", "elasticache:DeleteCacheSubnetGroup",
      "elasticache:DescribeCacheSubnetGroups", "elasticache:ModifyCacheSubnetGroup", "elasticache:AddTagsToResource",
      "elasticache:RemoveTagsFromResource", "elasticache:ListTagsForResource"],
  },
  "aws:elasticache/replicationGroup:ReplicationGroup": {
    actions: ["elasticache:CreateReplicationGroup", "elasticache:DeleteReplicationGroup",
      "elasticache:DescribeReplicationGroups", "elasticache:ModifyReplicationGroup",
      "elasticache:DescribeCacheClusters", "elasticache:AddTagsToResource", "elasticache:RemoveTagsFromResource",
      "elasticache:ListTagsForResource"],
    note: "the first cache of an account creates the ElastiCache service-linked role (AWSServiceRoleForElastiCache)",
  },
  "aws:rds/instance:Instance": {
    actions: ["rds:CreateDBInstance", "rds:DeleteDBInstance", "rds:DescribeDBInstances", "rds:ModifyDBInstance",
      "rds:RebootDBInstance", "rds:AddTagsToResource", "rds:RemoveTagsFromResource", "rds:ListTagsForResource",
      "rds:DescribeDBSnapshots", "rds:CreateDBSnapshot", "rds:DescribeDBEngineVersions",
      "rds:DescribeOrderableDBInstanceOptions"],
    note:
      "a final snapshot on delete (prod) is CreateDBSnapshot; the first DB instance of an account creates the RDS service-linked role",
  },
  // CloudWatch, Logs, SNS
  "aws:cloudwatch/logGroup:LogGroup": {
    actions: ["logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:DescribeLogGroups", "logs:PutRetentionPolicy",
      "logs:DeleteRetentionPolicy", "logs:TagResource", "logs:UntagResource", "logs:ListTagsForResource"],
  },
  "aws:cloudwatch/metricAlarm:MetricAlarm": {
    actions: ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms",
      "cloudwatch:TagResource", "cloudwatch:UntagResource", "cloudwatch:ListTagsForResource",
      "ec2:DescribeInstanceStatus", "ec2:DescribeInstances", "ec2:DescribeInstanceRecoveryAttribute",
      "ec2:RecoverInstances", "ec2:RebootInstances"],
    note:
      "PutMetricAlarm with EC2 actions (recover, reboot) needs the EC2 permissions and iam:CreateServiceLinkedRole (events.amazonaws.com)",
  },
  "aws:sns/topic:Topic": {
    actions: ["sns:CreateTopic", "sns:DeleteTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes",
      "sns:TagResource", "sns:UntagResource", "sns:ListTagsForResource"],
  },
  "aws:sns/topicSubscription:TopicSubscription": {
    actions: ["sns:Subscribe", "sns:Unsubscribe", "sns:GetSubscriptionAttributes", "sns:SetSubscriptionAttributes",
      "sns:ListSubscriptionsByTopic"],
  },
};
