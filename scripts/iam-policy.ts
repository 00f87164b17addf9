// `npm run iam-policy -- [--stage dev|prod] [--hosting ec2|ecs] [--permissions-boundary <policy ARN>] [--write-docs]`
// Prints the least-privilege IAM policy of a CI role as JSON (default: all four, keyed "<stage>/<hosting>"),
// generated from the resource types and data sources the offline plan creates (scripts/lib/iam/policy.ts).
// --permissions-boundary: one AWS account for several stages; the roles carry that boundary (stack
// setting iamPermissionsBoundary) and the policy requires it by condition and denies removing it.
// --write-docs rewrites the generated block of POLICY_DOC (docs/reference/iam-policies.md) (a unit test checks it is current).
import * as fs from "fs";
import * as path from "path";
import { permissionsBoundaryProblem } from "../components/config/naming";
import { CI_ROLES, CiStage, POLICY_DOC, Hosting, allPolicies, ciPolicy, planUse, renderPolicyDoc,
  withPolicyDoc } from "./lib/iam/policy";

const USAGE =
  "usage: npm run iam-policy -- [--stage dev|prod] [--hosting ec2|ecs] [--permissions-boundary <policy ARN>] [--write-docs]";

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let stage: CiStage | undefined;
  let hosting: Hosting | undefined;
  let writeDocs = false;
  let boundary: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--stage") stage = argv[++i] as CiStage;
    else if (a === "--hosting") hosting = argv[++i] as Hosting;
    else if (a === "--write-docs") writeDocs = true;
    else if (a === "--permissions-boundary") boundary = argv[++i];
    else throw new Error(`unknown argument "${a}"\n${USAGE}`);
  }
  if (stage !== undefined && !CI_ROLES.some((r) => r.stage === stage)) {
    throw new Error(`--stage "${stage}" is not dev or prod\n${USAGE}`);
  }
  if (hosting !== undefined && !CI_ROLES.some((r) => r.hosting === hosting)) {
    throw new Error(`--hosting "${hosting}" is not ec2 or ecs\n${USAGE}`);
  }
  const boundaryProblem = boundary === undefined ? undefined : permissionsBoundaryProblem(boundary);
  if (boundary !== undefined && boundaryProblem) {
    throw new Error(`--permissions-boundary "${boundary}" ${boundaryProblem.why}: ${boundaryProblem.fix}\n${USAGE}`);
  }
  if (writeDocs) {
    const file = path.resolve(__dirname, "..", POLICY_DOC);
    fs.writeFileSync(file, withPolicyDoc(fs.readFileSync(file, "utf8"), renderPolicyDoc(await allPolicies())));
    process.stdout.write(`wrote the IAM policies into ${POLICY_DOC}\n`);
    return;
  }
  if (stage !== undefined && hosting !== undefined) {
    process.stdout.write(`${JSON.stringify(ciPolicy(stage, await planUse(stage, hosting, boundary)), null, 2)}\n`);
    return;
  }
  const chosen = CI_ROLES.filter((r) =>
    (stage === undefined || r.stage === stage) && (hosting === undefined || r.hosting === hosting)
  );
  const out: Record<string, unknown> = {};
  for (const r of chosen) {
    out[`${r.stage}/${r.hosting}`] = ciPolicy(r.stage, await planUse(r.stage, r.hosting, boundary));
  }
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

main().then(() => process.exit(0), (e: Error) => {
  console.error(e.message);
  process.exit(2);
});
