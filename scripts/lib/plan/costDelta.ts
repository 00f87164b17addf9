// What a pull request does to the monthly bill: the cost estimates of two offline plans of the same
// stack (the base commit's and the head's, both `npm run plan -- --json`) compared resource by
// resource, and the pull-request comment that says so. Pure: tested in tests/unit/cost-delta.test.ts.
import type { CostEstimate } from "./cost";

/** The part of a plan (PlanJson, or an older plan's JSON) the delta reads. */
export interface CostedPlan {
  stack: string;
  cost: Pick<CostEstimate, "lines" | "totalMonthly" | "complete" | "unknownItems">;
}

export interface ItemChange {
  what: string;
  /** undefined: not in that plan, or no price. */
  before?: number;
  after?: number;
}

export interface ResourceChange {
  /** `<type> <name>`. */
  resource: string;
  before: number;
  after: number;
  /** The items that appeared, went away or changed price. */
  items: ItemChange[];
}

export interface CostDelta {
  stack: string;
  /** undefined when the base commit gave no plan. */
  before?: number;
  after: number;
  /** after − before (0 when there is no base). */
  change: number;
  /** False when either plan has items of unknown price (the figures leave them out). */
  complete: boolean;
  resources: ResourceChange[];
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

type Lines = CostedPlan["cost"]["lines"];
const byResource = (lines: Lines): Map<string, Lines[number]> => new Map(lines.map((l) => [`${l.type} ${l.name}`, l]));

/** The delta of `head` over `base` (undefined: the base commit gave no plan). */
export function costDelta(base: CostedPlan | undefined, head: CostedPlan): CostDelta {
  const before = byResource(base?.cost.lines ?? []);
  const after = byResource(head.cost.lines);
  const resources: ResourceChange[] = [];
  for (const key of [...new Set([...before.keys(), ...after.keys()])]) {
    const b = before.get(key);
    const a = after.get(key);
    const bItems = new Map((b?.items ?? []).map((i) => [i.what, i.monthly]));
    const aItems = new Map((a?.items ?? []).map((i) => [i.what, i.monthly]));
    const items: ItemChange[] = [...new Set([...bItems.keys(), ...aItems.keys()])]
      .filter((what) => !bItems.has(what) || !aItems.has(what) || bItems.get(what) !== aItems.get(what))
      .map((what) => ({ what, ...(bItems.get(what) === undefined ? {} : { before: bItems.get(what) }),
        ...(aItems.get(what) === undefined ? {} : { after: aItems.get(what) }) })
      );
    if (items.length === 0 && (b?.monthly ?? 0) === (a?.monthly ?? 0)) continue;
    resources.push({ resource: key, before: round2(b?.monthly ?? 0), after: round2(a?.monthly ?? 0), items });
  }
  resources.sort((x, y) =>
    Math.abs(y.after - y.before) - Math.abs(x.after - x.before) || x.resource.localeCompare(y.resource)
  );
  return {
    stack: head.stack,
    ...(base ? { before: round2(base.cost.totalMonthly) } : {}),
    after: round2(head.cost.totalMonthly),
    change: base ? round2(head.cost.totalMonthly - base.cost.totalMonthly) : 0,
    complete: head.cost.complete && (base?.cost.complete ?? true),
    resources,
  };
}

/** The hidden line that finds the comment again, so each push updates it in place. */
export const COMMENT_MARKER = "<!-- compose-on-ec2:cost-delta -->";

const usd = (x: number | undefined): string => (x === undefined ? "—" : `$${x.toFixed(2)}`);
const signed = (x: number): string => `${x < 0 ? "−" : "+"}$${Math.abs(x).toFixed(2)}`;
const verb = (x: number): string => (x < 0 ? "saves" : "adds");

/** `this change adds ~$15.19/month (dev) / ~$0.00 (prod)`: one figure per stack, the verb only when it changes. */
export function headline(deltas: CostDelta[]): string {
  const parts = deltas.map((d, i) => {
    const v = verb(d.change);
    const repeat = i > 0 && verb(deltas[i - 1].change) === v;
    const figure = `~$${Math.abs(d.change).toFixed(2)}${i === 0 ? "/month" : ""} (${d.stack})`;
    return d.before === undefined ? `no base plan (${d.stack})` : repeat ? figure : `${v} ${figure}`;
  });
  return `this change ${parts.join(" / ")}`;
}

/** The pull-request comment (Markdown): the headline, then per stack the resources and items that changed. */
export function renderComment(deltas: CostDelta[]): string {
  const out = [COMMENT_MARKER, "### Monthly cost of this change", "", `${headline(deltas)}`, ""];
  for (const d of deltas) {
    const total = d.before === undefined
      ? `the base commit gave no plan; this head: ~${usd(d.after)}/month`
      : `~${usd(d.before)} → ~${usd(d.after)}/month (${d.change === 0 ? "no change" : signed(d.change)})`;
    out.push(`**${d.stack}**: ${total}${d.complete ? "" : " (partial: items of unknown price are left out)"}`);
    if (d.resources.length === 0) {
      out.push("", "No priced resource changed.", "");
      continue;
    }
    out.push("", "| resource / item | before | after | change |", "|---|---:|---:|---:|");
    for (const r of d.resources) {
      out.push(`| ${r.resource} | ${usd(r.before)} | ${usd(r.after)} | ${signed(r.after - r.before)} |`);
      for (const i of r.items) {
        out.push(
          `| &nbsp;&nbsp;${i.what} | ${usd(i.before)} | ${usd(i.after)} | ${
            i.before !== undefined && i.after !== undefined ? signed(i.after - i.before) : ""
          } |`,
        );
      }
    }
    out.push("");
  }
  out.push(
    "Offline plans of the base commit and of this head (`npm run plan -- --json`: the program under the mock engine, no credentials); on-demand prices from `scripts/prices.json`, data transfer and usage-based charges not included.",
  );
  return out.join("\n");
}
