// CrossGuard adapters: the rules of policy/rules.ts as @pulumi/policy policies (policy/index.ts
// registers them), and CrossGuard's resources as the plain PolicyResource the rules read.
import type { Policies, ReportViolation, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { PolicyConfig, PolicyResource, RULES, Rule, isObj, withStages } from "./rules";

type CrossGuardResource = Pick<ResourceValidationArgs, "type" | "name" | "urn" | "props" | "opts" | "provider">;

/** The `tags` of an aws provider's `defaultTags` input (providers may receive it JSON-encoded). */
export function defaultTagsOf(defaultTags: unknown): Record<string, string> | undefined {
  let value = defaultTags;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const tags = isObj(value) ? value.tags : undefined;
  return isObj(tags)
    ? Object.fromEntries(Object.entries(tags).filter((e): e is [string, string] => typeof e[1] === "string"))
    : undefined;
}

/** A CrossGuard resource (validation args or stack resource) as a PolicyResource. */
export function fromCrossGuard(
  r: CrossGuardResource & { propertyDependencies?: Record<string, { urn: string }[]> },
): PolicyResource {
  const propertyDependencies: Record<string, string[]> = {};
  for (const [k, deps] of Object.entries(r.propertyDependencies ?? {})) {
    propertyDependencies[k] = deps.map((d) => d.urn);
  }
  return {
    type: r.type,
    name: r.name,
    urn: r.urn,
    props: r.props,
    protect: r.opts?.protect === true,
    id: typeof r.props.id === "string" ? r.props.id : undefined,
    propertyDependencies,
    providerDefaultTags: defaultTagsOf(r.provider?.props?.defaultTags),
  };
}

/**
 * The rules as CrossGuard policies, all mandatory. A resource rule becomes a `validateResource`, which
 * the engine runs before each resource's step and which refuses that step on a violation (core.ts
 * resourceRule); a stack rule a `validateStack`, run once every step has executed. During a preview,
 * a rule that reads a value not known yet (an id another resource will get) throws @pulumi/policy's
 * UnknownValueError and is reported as an advisory "can't run policy … during preview" (server.js,
 * proxy.js unknownCheckingProxy), not as a pass or a failure; at `up` a resource's inputs are all known
 * when it is analysed. That is why the deploy jobs gate on the offline plan's verdict, which knows
 * every value, before `up` (.github/workflows/deploy.yml).
 */
export function crossGuardPolicies(rules: Rule[] = RULES): Policies {
  return rules.map((rule) => {
    const base = { name: rule.name, description: rule.description, enforcementLevel: "mandatory" as const,
      ...(rule.configSchema ? { configSchema: rule.configSchema } : {}) };
    const checkResource = rule.checkResource;
    if (rule.scope === "resource" && checkResource) {
      return {
        ...base,
        validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
          const config = rule.configSchema ? args.getConfig<PolicyConfig>() : undefined;
          for (const message of checkResource(fromCrossGuard(args), config)) report(message);
        },
      };
    }
    return {
      ...base,
      validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const resources = withStages(args.resources.map(fromCrossGuard));
        const config = rule.configSchema ? args.getConfig<PolicyConfig>() : undefined;
        for (const v of rule.check(resources, config)) report(`${v.resource}: ${v.message}`, v.urn);
      },
    };
  });
}
