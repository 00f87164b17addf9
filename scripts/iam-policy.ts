// `npm run iam-policy -- [--stage dev|prod] [--hosting ec2|ecs] [--write-docs]`
// Prints the least-privilege IAM policy of a CI role as JSON (default: all four, keyed "<stage>/<hosting>"),
// generated from the resource types and data sources the offline plan creates (scripts/lib/iam/policy.ts).
// --write-docs rewrites the generated block of POLICY_DOC (docs/reference/iam-policies.md) (a unit test checks it is current).
import * as fs from "fs";
import * as path from "path";
import { CI_ROLES, CiStage, POLICY_DOC, Hosting, allPolicies, ciPolicy, planUse, renderPolicyDoc, withPolicyDoc } from "./lib/iam/policy";

const USAGE = "usage: npm run iam-policy -- [--stage dev|prod] [--hosting ec2|ecs] [--write-docs]";

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let stage: CiStage | undefined;
  let hosting: Hosting | undefined;
  let writeDocs = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--stage") stage = argv[++i] as CiStage;
    else if (a === "--hosting") hosting = argv[++i] as Hosting;
    else if (a === "--write-docs") writeDocs = true;
    else throw new Error(`unknown argument "${a}"\n${USAGE}`);
  }
  if (stage !== undefined && !CI_ROLES.some((r) => r.stage === stage)) throw new Error(`--stage "${stage}" is not dev or prod\n${USAGE}`);
  if (hosting !== undefined && !CI_ROLES.some((r) => r.hosting === hosting)) throw new Error(`--hosting "${hosting}" is not ec2 or ecs\n${USAGE}`);
  if (writeDocs) {
    const file = path.resolve(__dirname, "..", POLICY_DOC);
    fs.writeFileSync(file, withPolicyDoc(fs.readFileSync(file, "utf8"), renderPolicyDoc(await allPolicies())));
    process.stdout.write(`wrote the IAM policies into ${POLICY_DOC}\n`);
    return;
  }
  if (stage !== undefined && hosting !== undefined) {
    process.stdout.write(`${JSON.stringify(ciPolicy(stage, await planUse(stage, hosting)), null, 2)}\n`);
    return;
  }
  const chosen = CI_ROLES.filter((r) => (stage === undefined || r.stage === stage) && (hosting === undefined || r.hosting === hosting));
  const out: Record<string, unknown> = {};
  for (const r of chosen) out[`${r.stage}/${r.hosting}`] = ciPolicy(r.stage, await planUse(r.stage, r.hosting));
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

main().then(() => process.exit(0), (e: Error) => {
  console.error(e.message);
  process.exit(2);
});
