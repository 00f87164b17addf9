// `npm run cost-delta -- --dir DIR --stack dev [--stack prod]...`: the pull-request comment on what a
// change does to the monthly bill, from DIR/base-<stack>.json and DIR/head-<stack>.json (each the
// output of `npm run plan -- --stack <stack> --json`; an empty or missing base file means the base
// commit gave no plan). Prints Markdown on stdout. Used by .github/workflows/cost-delta.sh.
import * as fs from "fs";
import * as path from "path";
import { EXIT, EXIT_CODES_HELP, UsageError, runCli } from "./lib/cli";
import { CostedPlan, costDelta, renderComment } from "./lib/plan/costDelta";

export const HELP = `usage: npm run cost-delta -- --dir DIR --stack NAME [--stack NAME]...

Compares DIR/base-<NAME>.json with DIR/head-<NAME>.json (outputs of npm run plan -- --json) and prints
the pull-request comment: "this change adds ~$X.XX/month (dev) / ~$Y.YY (prod)" and the items that changed.

${EXIT_CODES_HELP}`;

function readPlan(file: string, required: boolean): CostedPlan | undefined {
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim() : "";
  if (text === "" && !required) return undefined;
  try {
    const doc = JSON.parse(text) as Partial<CostedPlan>;
    if (typeof doc.stack !== "string" || !Array.isArray(doc.cost?.lines)) throw new Error("no stack or cost.lines");
    return doc as CostedPlan;
  } catch (e) {
    if (!required) return undefined;
    throw new Error(`${file} is not a plan's JSON (${(e as Error).message})`);
  }
}

export async function main(argv: string[]): Promise<number> {
  let dir: string | undefined;
  const stacks: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--dir") dir = argv[++i];
    else if (argv[i] === "--stack") stacks.push(argv[++i] ?? "");
    else throw new UsageError(`unknown argument "${argv[i]}"`);
  }
  if (!dir || stacks.length === 0 || stacks.some((s) => !/^[A-Za-z0-9_.-]+$/.test(s))) {
    throw new UsageError("give --dir DIR and at least one --stack NAME");
  }
  const deltas = stacks.map((s) =>
    costDelta(readPlan(path.join(dir, `base-${s}.json`), false),
      readPlan(path.join(dir, `head-${s}.json`), true) as CostedPlan)
  );
  process.stdout.write(`${renderComment(deltas)}\n`);
  return EXIT.ok;
}

if (require.main === module) runCli({ name: "cost-delta", help: HELP, main });
