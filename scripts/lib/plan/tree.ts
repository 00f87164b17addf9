// Prints the resources as the component hierarchy (parent → children) with the settings a
// reviewer looks at first: sizes, engines, exposure, protection.

/** What the tree needs to know about a resource. */
export interface TreeNode {
  urn: string;
  type: string;
  name: string;
  parent?: string;
  protect: boolean;
  id?: string;
  inputs: Record<string, unknown>;
}

type Props = Record<string, unknown>;

const isObj = (v: unknown): v is Props => typeof v === "object" && v !== null && !Array.isArray(v);
const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

function ports(from: unknown, to: unknown, protocol: unknown): string {
  const proto = String(protocol ?? "?");
  if (proto === "-1" || proto === "all") return "all";
  return from === to ? `${proto}/${String(from)}` : `${proto}/${String(from)}-${String(to)}`;
}

/** One SG rule as `tcp/22 from 203.0.113.0/24,sg:web`; ids of known SGs are shown by name. */
function sgRule(rule: Props, nameOf: (id: string) => string): string {
  const sources = [
    ...list(rule.cidrBlocks),
    ...list(rule.ipv6CidrBlocks),
    ...[rule.cidrIpv4, rule.cidrIpv6, rule.prefixListId].filter((x): x is string => typeof x === "string"),
    ...list(rule.securityGroups).map((id) => `sg:${nameOf(id)}`),
    ...[rule.referencedSecurityGroupId, rule.sourceSecurityGroupId].filter((x): x is string => typeof x === "string")
      .map((id) => `sg:${nameOf(id)}`),
    ...(rule.self === true ? ["self"] : []),
  ];
  return `${ports(rule.fromPort, rule.toPort, rule.protocol ?? rule.ipProtocol)} ${sources.join(",") || "(none)"}`;
}

/** The settings worth seeing for a resource, as `key=value` strings. */
export function keySettings(node: TreeNode, nameOf: (id: string) => string = (id) => id): string[] {
  const i = node.inputs;
  const pick = (...keys: string[]): string[] =>
    keys.filter((k) => i[k] !== undefined && i[k] !== null).map((k) =>
      `${k}=${isObj(i[k]) || Array.isArray(i[k]) ? JSON.stringify(i[k]) : String(i[k])}`
    );
  const out: string[] = [];
  switch (node.type) {
    case "aws:ec2/instance:Instance": {
      out.push(...pick("instanceType", "ami"));
      const root = isObj(i.rootBlockDevice) ? i.rootBlockDevice : {};
      out.push(
        `root=${String(root.volumeSize ?? "ami-default")}GB/${String(root.volumeType ?? "default")}/encrypted=${
          String(root.encrypted ?? false)
        }`,
      );
      const md = isObj(i.metadataOptions) ? i.metadataOptions : {};
      out.push(`httpTokens=${String(md.httpTokens ?? "optional(default)")}`);
      break;
    }
    case "aws:rds/instance:Instance":
      out.push(
        ...pick("engine", "engineVersion", "instanceClass", "allocatedStorage", "maxAllocatedStorage", "storageType",
          "multiAz", "storageEncrypted", "publiclyAccessible", "backupRetentionPeriod", "deletionProtection",
          "skipFinalSnapshot", "finalSnapshotIdentifier"),
      );
      break;
    case "aws:ec2/securityGroup:SecurityGroup":
      for (const r of Array.isArray(i.ingress) ? i.ingress.filter(isObj) : []) out.push(`in ${sgRule(r, nameOf)}`);
      for (const r of Array.isArray(i.egress) ? i.egress.filter(isObj) : []) out.push(`out ${sgRule(r, nameOf)}`);
      break;
    case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
      out.push(`in ${sgRule(i, nameOf)} → sg:${nameOf(String(i.securityGroupId))}`);
      break;
    case "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":
      out.push(`out ${sgRule(i, nameOf)} ← sg:${nameOf(String(i.securityGroupId))}`);
      break;
    case "aws:ec2/securityGroupRule:SecurityGroupRule":
      out.push(`${String(i.type)} ${sgRule(i, nameOf)} sg:${nameOf(String(i.securityGroupId))}`);
      break;
    case "aws:rds/subnetGroup:SubnetGroup":
      out.push(`subnets=${list(i.subnetIds).length}`);
      break;
    case "command:remote:Command":
    case "command:local:Command": {
      const create = typeof i.create === "string" ? i.create.replace(/\s+/g, " ").trim() : "";
      if (create) out.push(`create="${create.length > 60 ? `${create.slice(0, 57)}...` : create}"`);
      if (i.logging !== undefined) out.push(`logging=${String(i.logging)}`);
      break;
    }
    default:
      out.push(...pick("instanceType", "domain", "imageTagMutability"));
  }
  if (node.protect) out.push("protect");
  return out;
}

/**
 * Renders the hierarchy with box-drawing characters, children in registration order. Under mocks
 * the program runs without the `pulumi:pulumi:Stack` root; `rootLabel` draws it as a header.
 */
export function renderTree(nodes: TreeNode[], rootLabel?: string): string {
  const byUrn = new Map(nodes.map((n) => [n.urn, n]));
  const children = new Map<string, TreeNode[]>();
  const roots: TreeNode[] = [];
  for (const n of nodes) {
    if (n.parent && byUrn.has(n.parent)) {
      const siblings = children.get(n.parent) ?? [];
      siblings.push(n);
      children.set(n.parent, siblings);
    } else {
      roots.push(n);
    }
  }
  const names = new Map<string, string>();
  for (const n of nodes) if (n.id) names.set(n.id, n.name);
  const nameOf = (id: string): string => names.get(id) ?? id;

  const lines: string[] = [];
  const walk = (n: TreeNode, prefix: string, childPrefix: string, depth: number): void => {
    if (depth > 50) return; // a hierarchy deeper than this is a bug, not a plan
    const settings = keySettings(n, nameOf);
    lines.push(`${prefix}${n.type} ${n.name}${settings.length ? `  [${settings.join(" ")}]` : ""}`);
    const kids = children.get(n.urn) ?? [];
    kids.forEach((kid, idx) => {
      const lastKid = idx === kids.length - 1;
      walk(kid, `${childPrefix}${lastKid ? "└─ " : "├─ "}`, `${childPrefix}${lastKid ? "   " : "│  "}`, depth + 1);
    });
  };
  if (rootLabel === undefined) {
    for (const root of roots) walk(root, "", "", 0);
  } else {
    lines.push(rootLabel);
    roots.forEach((root, idx) => {
      const lastRoot = idx === roots.length - 1;
      walk(root, lastRoot ? "└─ " : "├─ ", lastRoot ? "   " : "│  ", 1);
    });
  }
  return lines.join("\n");
}
