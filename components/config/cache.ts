// Section parser: the managed cache (cache: none | redis) and its node type. The node count follows
// the stage, as the database's protection does: prod keeps a replica in a second AZ.
import type { Reader } from "./reader";
import type { CacheSettings, Stage } from "./types";

/** ElastiCache node types are cache.<family>.<size>, e.g. cache.t4g.micro. */
const NODE_TYPE = /^cache\.[a-z][a-z0-9-]*\.[a-z0-9]+$/;

/** prod: a primary and one replica (Multi-AZ, automatic failover); other stages: one node. */
export function cacheNodes(stage: Stage): number {
  return stage === "prod" ? 2 : 1;
}

export function parseCache(r: Reader, stage: Stage): CacheSettings {
  const kind = r.choice<CacheSettings["kind"]>("cache");
  const nodeType = r.text("cacheNodeType");
  if (!NODE_TYPE.test(nodeType)) {
    r.bad("cacheNodeType", nodeType, "is not an ElastiCache node type (cache.family.size)",
      `e.g. cache.t4g.micro${nodeType.startsWith("cache.") ? "" : ` (did you mean "cache.${nodeType}"?)`}`);
  }
  if (kind === "none" && r.isSet("cacheNodeType")) {
    r.bad("cacheNodeType", nodeType, "is set but cache is none", "remove cacheNodeType, or set cache: redis");
  }
  return { kind, nodeType, nodes: cacheNodes(stage) };
}
