// Switching a stack between hostings (ec2 ⇄ ecs) in one `pulumi up`: Pulumi creates the new hosting's
// resources before it deletes the old one's, so a name both hostings create must belong to ONE resource
// (same URN in both plans: updated in place), never to two resources that AWS would both have to hold
// at once (CloudWatch: ResourceAlreadyExistsException; Route 53: a second record set of the same name
// and type). Checked over the offline plans of both hostings with every optional feature on (a domain in
// a hosted zone, registry mode, media on S3, an alert e-mail: the most fixed names), the plans the CI
// roles' IAM policies are generated from.
import * as assert from "assert";
import { Registration } from "../../lib/engine";
import { planFor } from "../../scripts/lib/plan/run";
import { FEATURES } from "../../scripts/lib/iam/policy";

/** Input fields that hold the name AWS knows a resource by, when the program sets one. */
const NAME_FIELDS = ["name", "identifier", "bucket", "alarmName", "keyName", "roleName"];

/**
 * The physical names of a plan's AWS resources, each as "<type>|<name>": a Route 53 record by zone,
 * name and type (what a record set is keyed by); others by the name field the program set. Resources
 * the provider names (a random suffix) have none.
 */
export function physicalNames(resources: Registration[]): { key: string; urn: string }[] {
  const out: { key: string; urn: string }[] = [];
  for (const r of resources) {
    if (!r.custom || !r.type.startsWith("aws:")) continue;
    if (r.type === "aws:route53/record:Record") {
      out.push({ key: `${r.type}|${String(r.inputs.zoneId)}|${String(r.inputs.name)}|${String(r.inputs.type)}`,
        urn: r.urn });
      continue;
    }
    const field = NAME_FIELDS.find((f) => typeof r.inputs[f] === "string");
    if (field) out.push({ key: `${r.type}|${String(r.inputs[field])}`, urn: r.urn });
  }
  return out;
}

/** Names held by two different URNs of the given resources. */
function collisions(resources: Registration[]): string[] {
  const owner = new Map<string, string>();
  const found: string[] = [];
  for (const { key, urn } of physicalNames(resources)) {
    const seen = owner.get(key);
    if (seen !== undefined && seen !== urn) found.push(`${key}: ${seen} and ${urn}`);
    owner.set(key, urn);
  }
  return found;
}

describe("hosting switch: every fixed name has one owner in both hostings", () => {
  for (const stack of ["dev", "prod"]) {
    it(`${stack}: ec2 → ecs (and back) creates no name a second time`, async function() {
      this.timeout(180000);
      const ec2 = await planFor(stack, undefined, FEATURES.ec2);
      const ecs = await planFor(stack, undefined, FEATURES.ecs);
      // Each plan on its own, then both together (the old hosting's resources still exist while the
      // new one's are created).
      assert.deepStrictEqual(collisions(ec2.resources), []);
      assert.deepStrictEqual(collisions(ecs.resources), []);
      assert.deepStrictEqual(collisions([...ec2.resources, ...ecs.resources]), []);
      // The shared names really are shared (same URN), not merely absent from one side.
      const shared = physicalNames(ec2.resources).filter((a) =>
        physicalNames(ecs.resources).some((b) => b.key === a.key)
      );
      const kinds = shared.map((s) => s.key.split("|")[0]);
      assert.ok(kinds.includes("aws:cloudwatch/logGroup:LogGroup"),
        `the container log group is one resource in both: ${JSON.stringify(shared)}`);
      assert.strictEqual(kinds.filter((k) => k === "aws:route53/record:Record").length, 2,
        "both site records are one resource each in both");
    });
  }

  it("would catch two owners: the same log group name from two URNs is a collision", () => {
    const reg = (urn: string): Registration => ({
      urn,
      type: "aws:cloudwatch/logGroup:LogGroup",
      name: urn,
      custom: true,
      dependencies: [],
      propertyDependencies: {},
      protect: false,
      inputs: { name: "/p/s/containers" },
      outputs: {},
      secretInputs: [],
      secretValues: [],
      publicValues: [],
    });
    assert.strictEqual(collisions([reg("urn:a"), reg("urn:b")]).length, 1);
    assert.deepStrictEqual(collisions([reg("urn:a"), reg("urn:a")]), []);
  });
});
