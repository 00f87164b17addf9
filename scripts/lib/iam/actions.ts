// What each resource type and data source the program uses needs from AWS, as IAM actions: the API
// calls the provider makes to create, read, update, tag and delete it (and to wait for it). One row per
// type token the offline plan registers (scripts/lib/plan) and per function token it invokes; a unit
// test fails when a plan uses a token that has no row here. This file holds the data sources' rows;
// the resource types' rows are in hostActions.ts and serviceActions.ts.
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

/** Data sources (function tokens) → actions. */
export const CALL_ACTIONS: Record<string, TokenActions> = {
  "aws:index/getCallerIdentity:getCallerIdentity": { actions: [], note: "sts:GetCallerIdentity needs no permission" },
  "aws:iam/getSessionContext:getSessionContext": { actions: ["iam:GetRole"],
    note: "reads the deploying role itself (its path) for the secrets key's policy: statement ReadDeployingRole" },
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
