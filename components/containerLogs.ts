// The containers' log group: one CloudWatch Logs group per stack, `/<project>/<stack>/containers`, the
// single owner of that name for both hostings (ec2: Docker's awslogs driver on the host; ecs: the
// tasks' awslogs driver). Created at the same place whatever the hosting, so switching a stack between
// ec2 and ecs keeps the group (same URN) instead of creating the name a second time next to the old one,
// which CloudWatch refuses (CreateLogGroup: ResourceAlreadyExistsException).
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/** The container log group's name: fixed, so the host's Docker config can name it before it exists. */
export function containerLogGroupName(project: string, stack: string): string {
  return `/${project}/${stack}/containers`;
}

export interface ContainerLogsArgs {
  /** Project and stack: the group's name. */
  project: string;
  stack: string;
  /** Days CloudWatch keeps the logs (monitoring settings, per stage). */
  retentionDays: number;
  /** Tags for the group. */
  tags: Record<string, string>;
  /** Where earlier versions created the group (kept as aliases, so an existing stack adopts it in place). */
  formerOwners?: pulumi.Input<pulumi.Alias>[];
}

export class ContainerLogs extends pulumi.ComponentResource {
  readonly groupName: pulumi.Output<string>;
  readonly groupArn: pulumi.Output<string>;

  constructor(name: string, args: ContainerLogsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("compose-on-ec2:logs:ContainerLogs", name, {}, opts);
    const group = new aws.cloudwatch.LogGroup(
      `${name}-containers`,
      { name: containerLogGroupName(args.project, args.stack), retentionInDays: args.retentionDays, tags: args.tags },
      { parent: this, aliases: args.formerOwners },
    );
    this.groupName = group.name;
    this.groupArn = group.arn;
    this.registerOutputs({ groupName: this.groupName, groupArn: this.groupArn });
  }
}
