// CrossGuard policy pack for this stack: every rule of policy/rules.ts, mandatory.
// Use: pulumi preview --policy-pack policy   (or `pulumi up --policy-pack policy`)
import { PolicyPack } from "@pulumi/policy";
import { crossGuardPolicies } from "./rules";

new PolicyPack("compose-on-ec2", {
  description: "Database private and reachable only from the web host, encrypted storage, IMDSv2, no world SSH in prod, protected prod data, required tags, no secrets on command lines.",
  enforcementLevel: "mandatory",
  policies: crossGuardPolicies(),
});
