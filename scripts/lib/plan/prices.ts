// The price table (scripts/prices.json): one figure per priced dimension and region, each naming the
// source it was read from. A figure the table does not have is unknown, never guessed.
import priceTable from "../../prices.json";

/** One price: US dollars per unit, and the key of the source it was read from (see PriceTable.sources). */
export interface Figure {
  usd: number;
  source: string;
}

/** Where figures come from: a URL (or a named document) and the date it was read or published. */
export interface PriceSource {
  what: string;
  url: string;
  date: string;
}

/** An RDS price for a Single-AZ and a Multi-AZ (one standby) deployment; either may be unknown. */
export interface DeploymentFigures {
  singleAz?: Figure;
  multiAz?: Figure;
}

/** Prices of one region; any entry may be missing (→ unknown price). */
export interface RegionPrices {
  /** Linux on-demand, shared tenancy, per instance-hour. */
  ec2Hourly?: Record<string, Figure>;
  ebsGp3GbMonth?: Figure;
  /** In-use public IPv4 address (elastic or auto-assigned), per hour. */
  publicIpv4Hourly?: Figure;
  /** Engine → instance class → per instance-hour. */
  rdsHourly?: Record<string, Record<string, DeploymentFigures>>;
  /** Storage type → per GB-month. */
  rdsStorageGbMonth?: Record<string, DeploymentFigures>;
  /** Backup storage beyond the free allowance, per GB-month. */
  rdsBackupGbMonth?: Figure;
  ecrGbMonth?: Figure;
  /** S3 Standard storage, per GB-month (first tier). */
  s3StandardGbMonth?: Figure;
  secretMonth?: Figure;
  /** A customer-managed KMS key, per month (before rotations and requests). */
  kmsKeyMonth?: Figure;
  cloudwatch?: {
    alarmStandardMonth?: Figure;
    alarmHighResolutionMonth?: Figure;
    customMetricMonth?: Figure;
    /** PutMetricData and the other metric API requests, per 1,000. */
    apiRequestsPer1000?: Figure;
    logsIngestionGb?: Figure;
    logsStorageGbMonth?: Figure;
  };
  sns?: { emailPer100k?: Figure };
  fargate?: Partial<Record<"x86" | "arm", { vcpuHour?: Figure; gbHour?: Figure }>>;
  alb?: { hour?: Figure; lcuHour?: Figure };
  natGateway?: { hour?: Figure; gbProcessed?: Figure };
  /** ElastiCache engine (valkey | redis) → node type → per node-hour, on demand. */
  elasticacheHourly?: Record<string, Record<string, Figure>>;
}

export interface PriceTable {
  currency: "USD";
  hoursPerMonth: number;
  notes: string[];
  sources: Record<string, PriceSource>;
  regions: Record<string, RegionPrices>;
}

export const PRICES: PriceTable = priceTable as PriceTable;

/** Every figure of a region with its path in the table (for checks and listings). */
export function figuresOf(region: RegionPrices, prefix = ""): { path: string; figure: Figure }[] {
  const out: { path: string; figure: Figure }[] = [];
  for (const [key, value] of Object.entries(region)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value && typeof value === "object" && "usd" in value && "source" in value) {
      out.push({ path, figure: value as Figure });
    } else if (value && typeof value === "object") out.push(...figuresOf(value as RegionPrices, path));
  }
  return out;
}
