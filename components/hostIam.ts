// The EC2 host's instance role, as documents: who may assume it, Session Manager's agent (transport
// ssm only), and image pulls from the stack's own ECR repositories (components/host.ts attaches them).

/** Trust policy that lets EC2 assume the instance role. */
export const EC2_ASSUME_ROLE_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

/**
 * What the SSM agent needs for Session Manager, and nothing else (transport ssm only). AWS's own
 * minimal Session Manager profile is ssmmessages' four channel actions plus ssm:UpdateInstanceInformation
 * (docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSCloud9SSMInstanceProfile.html); the agent's
 * ec2messages channel is the one AmazonSSMManagedInstanceCore grants
 * (docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonSSMManagedInstanceCore.html), whose
 * ssm:GetParameter*, documents, associations, inventory and patching the host does not get.
 */
export const SESSION_MANAGER_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{
    Sid: "SessionManagerAgent",
    Effect: "Allow",
    Action: [
      "ssm:UpdateInstanceInformation",
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
      "ec2messages:AcknowledgeMessage",
      "ec2messages:DeleteMessage",
      "ec2messages:FailMessage",
      "ec2messages:GetEndpoint",
      "ec2messages:GetMessages",
      "ec2messages:SendReply",
    ],
    Resource: "*",
  }],
});

/**
 * Image pulls from the stack's own repositories only (in place of AmazonEC2ContainerRegistryReadOnly,
 * which reads every repository of the account). The pull actions are those of AWS's own pull-only policy
 * (docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonEC2ContainerRegistryPullOnly.html),
 * with BatchCheckLayerAvailability, which docker's pull also calls; ecr:GetAuthorizationToken has no
 * resource type, so it takes "*" (docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerregistry.html).
 */
export function ecrPullPolicy(region: string, accountId: string, repositoryPrefix: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "RegistryLogin", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
      {
        Sid: "PullOwnRepositories",
        Effect: "Allow",
        Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
        Resource: `arn:aws:ecr:${region}:${accountId}:repository/${repositoryPrefix}/*`,
      },
    ],
  });
}
