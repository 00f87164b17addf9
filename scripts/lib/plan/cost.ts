// Monthly cost estimate per resource from the price table (scripts/prices.json, see prices.ts). A
// price the table does not have is reported as unknown, never guessed, and the estimate says which
// resources it could not price instead of passing a partial sum off as the total.
import { costItems, round2, type CostNode, type CostItem } from "./costItems";
import { PRICES, PriceTable } from "./prices";

export { PRICES } from "./prices";
export type { PriceTable, RegionPrices } from "./prices";

export interface CostLine {
  urn: string;
  type: string;
  name: string;
  items: CostItem[];
  /** Sum of the known items. */
  monthly: number;
  /** True when at least one item has no price. */
  hasUnknown: boolean;
}

export interface CostEstimate {
  region: string;
  lines: CostLine[];
  /** Sum of all known prices: the whole monthly cost only when `complete`. */
  totalMonthly: number;
  /** True when every priced item has a price. */
  complete: boolean;
  /** Items without a price (the total leaves them out). */
  unknownItems: number;
  /** "<type> <name>" of each resource with at least one item of unknown price. */
  unknownResources: string[];
  /** "<type> <name>: <item>" of each item without a price (what the partial sum leaves out). */
  unknownList: string[];
  /** Keys of the sources behind the figures used. */
  sources: string[];
}
/** Monthly cost per resource and in total for a region. */
export function estimateCost(nodes: CostNode[], region: string, table: PriceTable = PRICES): CostEstimate {
  const lines: CostLine[] = [];
  for (const node of nodes) {
    const items = costItems(node, nodes, region, table);
    if (items.length === 0) continue;
    const known = items.filter((i) => i.monthly !== undefined);
    lines.push({
      urn: node.urn,
      type: node.type,
      name: node.name,
      items,
      monthly: round2(known.reduce((sum, i) => sum + (i.monthly ?? 0), 0)),
      hasUnknown: known.length < items.length,
    });
  }
  const unknownItems = lines.reduce((n, l) => n + l.items.filter((i) => i.monthly === undefined).length, 0);
  return {
    region,
    lines,
    totalMonthly: round2(lines.reduce((sum, l) => sum + l.monthly, 0)),
    complete: unknownItems === 0,
    unknownItems,
    unknownResources: lines.filter((l) => l.hasUnknown).map((l) => `${l.type} ${l.name}`),
    unknownList: lines.flatMap((l) =>
      l.items.filter((i) => i.monthly === undefined).map((i) => `${l.type} ${l.name}: ${i.what}`)
    ),
    sources: [...new Set(lines.flatMap((l) => l.items.flatMap((i) => i.sources ?? [])))].sort(),
  };
}

/**
 * "~$34.41/month" when every price is known; otherwise the known part, labelled partial, and how
 * many items it leaves out: "partial ~$34.41/month (1 item of unknown price left out)".
 */
export function costSummary(cost: CostEstimate): string {
  const known = `~$${cost.totalMonthly.toFixed(2)}/month`;
  const n = cost.unknownItems;
  return cost.complete ? known : `partial ${known} (${n} item${n === 1 ? "" : "s"} of unknown price left out)`;
}
