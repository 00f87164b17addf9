// CrossGuard policy pack for this stack: every rule of policy/rules.ts, mandatory.
// Use: pulumi preview --policy-pack policy   (or `pulumi up --policy-pack policy`); to hold prod SSH to
// the stack's allowlist: --policy-pack-config with {"prod-ssh-within-allowlist": {"sshCidrs": [...]}}.
import { PolicyPack } from "@pulumi/policy";
import { crossGuardPolicies } from "./crossGuard";

new PolicyPack("compose-on-ec2", {
  description:
    "Database private and reachable only from the web host or tasks, encrypted storage, IMDSv2, no world SSH in prod, prod SSH only within the allowlist on transport ssh and no port 22 at all on ssm, protected prod data, required tags, no secrets on command lines; on ecs: tasks only through the load balancer, no secret in container environment, a private encrypted media bucket.",
  enforcementLevel: "mandatory",
  policies: crossGuardPolicies(),
});
