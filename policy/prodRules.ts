// Prod rules of the host's exposure: the instance metadata hop limit, the certificate authority and
// HSTS. The last two read the stack's outputs (`stage`, `hosting`, `https`, `acmeServer`, `hsts`) and
// fail closed when one they need is missing (core.ts stackOutputs).
import { EC2, PolicyConfig, PolicyResource, Rule, isObj, resourceRule, stackOutputs, stackRule, stageOf } from "./core";

const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const SSM_PARAMETER = "aws:ssm/parameter:Parameter";
/** Let's Encrypt's staging directory host (letsencrypt.org/docs/staging-environment/): untrusted certificates. */
const STAGING_ACME = /^https:\/\/acme-staging(-v\d+)?\.api\.letsencrypt\.org\//;

/** IMDSv2's PUT response hop limit a prod instance may have: 1 keeps containers (one hop further) away from the role. */
export const PROD_IMDS_HOP_LIMIT = 1;

/**
 * A rule on one stack output of a prod stack on ec2 that serves HTTPS: `judge` returns the violation's
 * message, or undefined. Fails closed when an output it needs is missing.
 */
function prodHttpsOnEc2Rule(policy: string, description: string, output: string,
  judge: (value: unknown) => string | undefined): Rule {
  return stackRule(policy, description, (all) => {
    const first = stackOutputs(all, policy, ["stage", "hosting", "https"]);
    if (first.missing.length > 0) return first.missing;
    if (first.outputs.stage !== "prod" || first.outputs.hosting !== "ec2" || first.outputs.https !== true) return [];
    const { outputs, missing } = stackOutputs(all, policy, [output]);
    if (missing.length > 0) return missing;
    const message = judge(outputs[output]);
    return message === undefined
      ? []
      : [{ policy, resource: all.find((r) => r.type === "pulumi:pulumi:Stack")?.name ?? "stack", message }];
  });
}

function prodRulesOf(): Rule[] {
  const imdsHopLimit = resourceRule(
    "prod-imds-hop-limit-1",
    "In prod, EC2 instances and launch templates set the IMDS hop limit to 1, so containers cannot reach the instance role.",
    (r: PolicyResource, config?: PolicyConfig) => {
      if ((r.type !== EC2 && r.type !== LAUNCH_TEMPLATE) || stageOf(r, config) !== "prod") return [];
      const md = isObj(r.props.metadataOptions) ? r.props.metadataOptions : {};
      const limit = md.httpPutResponseHopLimit;
      if (limit === PROD_IMDS_HOP_LIMIT) return [];
      // Unset is not 1: an AMI registered with IMDSv2 defaults (Amazon Linux 2023) starts instances with 2.
      return [
        `metadataOptions.httpPutResponseHopLimit is ${
          JSON.stringify(limit ?? "unset")
        }: in prod it must be ${PROD_IMDS_HOP_LIMIT}, or every container reaches the instance role; keep media on the host volume (mediaStorage volume) rather than giving the app the role`,
      ];
    },
    true,
  );
  // Judged on each parameter before it is written: the AWS-managed key aws/ssm lets every IAM principal
  // of the account that may read a parameter decrypt it (Systems Manager User Guide, ps-restrict-decryption.html).
  const secretsOwnKey = resourceRule(
    "prod-secrets-own-key",
    "In prod, SecureString SSM parameters (the ecs tasks' secrets) are encrypted under a customer-managed KMS key, not the account's aws/ssm key.",
    (r: PolicyResource, config?: PolicyConfig) => {
      if (r.type !== SSM_PARAMETER || r.props.type !== "SecureString" || stageOf(r, config) !== "prod") return [];
      const keyId = r.props.keyId;
      if (typeof keyId === "string" && keyId !== ""
        && !/^(alias\/aws\/ssm|arn:aws[a-z-]*:kms:[^:]*:\d{12}:alias\/aws\/ssm)$/.test(keyId)) return [];
      return [
        `keyId is ${
          JSON.stringify(keyId ?? "unset")
        }: prod's secrets under the account's aws/ssm key can be decrypted by any role of the account that may read parameters; encrypt them under the stack's own key (components/ecs.ts creates it in prod)`,
      ];
    },
    true,
  );
  const noStagingAcme = prodHttpsOnEc2Rule(
    "prod-no-acme-staging",
    "A prod stack on ec2 that serves HTTPS takes its certificate from a production ACME directory, never Let's Encrypt's staging one.",
    "acmeServer",
    (acmeServer) =>
      STAGING_ACME.test(String(acmeServer))
        ? `prod takes its certificate from ${
          String(acmeServer)
        }, Let's Encrypt's staging directory, whose certificates browsers do not trust; remove acmeServer (prod's default is Let's Encrypt) or set it to a production directory`
        : undefined,
  );
  const hstsOn = prodHttpsOnEc2Rule(
    "prod-hsts-on",
    "A prod stack on ec2 that serves HTTPS sends Strict-Transport-Security (hsts true).",
    "hsts",
    (hsts) =>
      hsts === true
        ? undefined
        : "prod serves HTTPS without Strict-Transport-Security, so a first visit over http:// can be intercepted; remove hsts from the stack settings (prod's default is true) or set it to true",
  );
  return [imdsHopLimit, secretsOwnKey, noStagingAcme, hstsOn];
}

/** The rules of this family. */
export const prodRules: Rule[] = prodRulesOf();
