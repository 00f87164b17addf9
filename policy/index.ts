// CrossGuard policy pack for this stack: every rule of policy/rules.ts, mandatory.
// Use: pulumi preview --policy-pack policy   (or `pulumi up --policy-pack policy`)
import { PolicyPack } from "@pulumi/policy";
import { crossGuardPolicies } from "./rules";

new PolicyPack("compose-on-ec2", {
  description: "Database private and reachable only from the web host or tasks, encrypted storage, IMDSv2, no world SSH in prod, protected prod data, required tags, no secrets on command lines; on ecs: tasks only through the load balancer, no secret in container environment, a private encrypted media bucket.",
  enforcementLevel: "mandatory",
  policies: crossGuardPolicies(),
});
