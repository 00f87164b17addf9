// The cost delta of a pull request: two plans of the same stack compared resource by resource, and
// the comment that says what the change adds a month.
import * as assert from "assert";
import { COMMENT_MARKER, CostedPlan, costDelta, headline, renderComment } from "../../scripts/lib/plan/costDelta";
import { parsePlanJson } from "../../scripts/lib/plan/json";
import { planFor } from "../../scripts/lib/plan/run";
import { renderJson } from "../../scripts/plan";
import { OUTSIZED_DEV } from "../support/fixtures";

const line = (name: string, items: [string, number | undefined][]) => ({
  urn: `urn:${name}`,
  type: "aws:ec2/instance:Instance",
  name,
  items: items.map(([what, monthly]) => ({ what, ...(monthly === undefined ? {} : { monthly }) })),
  monthly: items.reduce((s, [, m]) => s + (m ?? 0), 0),
  hasUnknown: items.some(([, m]) => m === undefined),
});
const plan = (stack: string, lines: ReturnType<typeof line>[]): CostedPlan => ({
  stack,
  cost: { lines, totalMonthly: lines.reduce((s, l) => s + l.monthly, 0), complete: lines.every((l) => !l.hasUnknown),
    unknownItems: 0 },
});

describe("cost delta", function() {
  this.timeout(120000);

  it("over two real plans (dev, and dev with outsized storage): the change is the difference of the totals, with the items that changed", async () => {
    const base = parsePlanJson(renderJson(await planFor("dev")));
    const head = parsePlanJson(renderJson(await planFor("dev", undefined, OUTSIZED_DEV)));
    const d = costDelta(base, head);
    assert.strictEqual(d.change, Math.round((head.cost.totalMonthly - base.cost.totalMonthly) * 100) / 100);
    assert.ok(d.change > 7000, String(d.change));
    assert.strictEqual(d.resources[0].resource, "aws:rds/instance:Instance db-instance");
    const items = d.resources[0].items.map((i) => [i.what, i.before === undefined, i.after === undefined]);
    assert.deepStrictEqual(items.slice(0, 2), [["db.t4g.micro postgres Single-AZ", false, true], ["storage 20 GB gp3",
      false, true]]);
    assert.ok(items.some(([what, before]) => what === "storage 65536 GB gp3 (Multi-AZ)" && before === true),
      JSON.stringify(items));
    assert.ok(
      d.resources.some((r) =>
        r.resource === "aws:ec2/instance:Instance host-instance" && r.items.some((i) => i.what === "t3.small on-demand")
      ),
    );
    assert.strictEqual(headline([d]), `this change adds ~$${d.change.toFixed(2)}/month (dev)`);
  });

  it("says adds for dev and prod in one line, saves when the bill shrinks, and names a stack without a base plan", () => {
    const dev = costDelta(plan("dev", [line("host", [["t3.small on-demand", 15.18]])]),
      plan("dev", [line("host", [["t3.medium on-demand", 30.37]])]));
    const prod = costDelta(plan("prod", [line("host", [["t3.medium on-demand", 30.37]])]),
      plan("prod", [line("host", [["t3.medium on-demand", 30.37]])]));
    assert.strictEqual(headline([dev, prod]), "this change adds ~$15.19/month (dev) / ~$0.00 (prod)");
    const shrink = costDelta(plan("dev", [line("host", [["a", 20]])]), plan("dev", [line("host", [["a", 5]])]));
    assert.strictEqual(headline([shrink, dev]), "this change saves ~$15.00/month (dev) / adds ~$15.19 (dev)");
    const fresh = costDelta(undefined, plan("dev", [line("host", [["a", 5]])]));
    assert.strictEqual(fresh.before, undefined);
    assert.match(renderComment([fresh]), /\*\*dev\*\*: the base commit gave no plan; this head: ~\$5\.00\/month/);
  });

  it("marks a delta partial when a plan has items of unknown price, and leaves unchanged resources out", () => {
    const d = costDelta(plan("dev", [line("same", [["x", 1]]), line("host", [["t3.small on-demand", 15.18]])]),
      plan("dev", [line("same", [["x", 1]]), line("host", [["x2iedn.xlarge on-demand", undefined]])]));
    assert.strictEqual(d.complete, false);
    assert.deepStrictEqual(d.resources.map((r) => r.resource), ["aws:ec2/instance:Instance host"]);
    const comment = renderComment([d]);
    assert.ok(
      comment.startsWith(
        `${COMMENT_MARKER}\n### Monthly cost of this change\n\nthis change saves ~$15.18/month (dev)\n`,
      ),
      comment,
    );
    assert.match(comment, /\(partial: items of unknown price are left out\)/);
    assert.match(comment, /^\| &nbsp;&nbsp;x2iedn\.xlarge on-demand \| — \| — \| {2}\|$/m);
  });
});
