// The policy rule of the site's scheme: a prod stack serves HTTPS (ec2: a domain, so the host gets a
// certificate; ecs: a domain in a hosted zone, so the load balancer gets one from ACM) unless it opts
// out with allowPlainHttp. What the stack serves shows in its outputs (`https`, `allowPlainHttp`,
// `certificateSource`), which CrossGuard hands a stack policy as the props of the
// `pulumi:pulumi:Stack` resource and the offline plan adds the same way; an ecs load balancer without
// an HTTPS listener counts as plain HTTP whatever the outputs say.
import { Rule, STACK, stackOutputs, stackRule } from "./core";

export { STACK } from "./core";
const LISTENER = "aws:lb/listener:Listener";

/** Why a stack with these outputs and listeners serves plain HTTP, or undefined when it serves HTTPS (or cannot tell). */
export function plainHttpReason(outputs: Record<string, unknown>, listeners: Record<string, unknown>[]): string
  | undefined {
  if (listeners.length > 0 && !listeners.some((l) => l.protocol === "HTTPS")) {
    return "the load balancer has no HTTPS listener";
  }
  if (outputs.https !== false) return undefined;
  // "none: plain HTTP (no domain)" → "no domain".
  const source = typeof outputs.certificateSource === "string"
    ? outputs.certificateSource.replace(/^none: plain HTTP \((.*)\)$/, "$1")
    : "";
  return source ? `no certificate: ${source}` : "no certificate";
}

function httpsRulesOf(): Rule[] {
  const prodServesHttps = stackRule(
    "prod-serves-https",
    "A prod stack serves HTTPS (a domain on ec2; a domain and a hosted zone on ecs) unless allowPlainHttp is true.",
    (all) => {
      // Fails closed: without the outputs it reads, the rule cannot tell prod from dev, nor HTTPS from HTTP.
      const { outputs, missing } = stackOutputs(all, "prod-serves-https", ["stage", "https"]);
      if (missing.length > 0) return missing;
      const stack = all.find((r) => r.type === STACK);
      if (outputs.stage !== "prod" || outputs.allowPlainHttp === true) return [];
      const reason = plainHttpReason(outputs, all.filter((r) => r.type === LISTENER).map((r) => r.props));
      if (!reason) return [];
      return [{
        policy: "prod-serves-https",
        resource: stack?.name ?? "stack",
        urn: stack?.urn,
        message:
          `prod serves plain HTTP: ${reason}. Set domain (and acmeEmail on ec2; hostedZoneId on ecs) to serve HTTPS, or set allowPlainHttp: true to serve plain HTTP on purpose`,
      }];
    },
  );
  return [prodServesHttps];
}

/** The rules of this family. */
export const httpsRules: Rule[] = httpsRulesOf();
