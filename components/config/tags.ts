// Section parser: the tags on every resource, the stack's own and the user's, within AWS's tag rules.
import { TAG_RULES } from "./aws";
import type { Reader } from "./reader";
import type { Stage } from "./types";

/** Tag keys the stack sets itself; `Name` is added per resource by the components that name one. */
export const STACK_TAG_KEYS = ["project", "stack", "stage", "managed-by", "owner", "expires-at", "Name"] as const;

/** Why a tag key or value breaks AWS's tag rules, or undefined. */
export function tagProblem(key: string, value: string): string | undefined {
  if (key.length === 0 || key.length > TAG_RULES.maxKeyLength) {
    return `has a key of ${key.length} characters; AWS allows 1-${TAG_RULES.maxKeyLength}`;
  }
  if (key.toLowerCase().startsWith(TAG_RULES.reservedPrefix)) {
    return `uses the prefix ${TAG_RULES.reservedPrefix}, which AWS reserves`;
  }
  if (!TAG_RULES.allowed.test(key)) {
    return `has a key with characters AWS tags cannot hold (allowed: ${TAG_RULES.allowedText})`;
  }
  if (value.length > TAG_RULES.maxValueLength) {
    return `has a value of ${value.length} characters; AWS allows up to ${TAG_RULES.maxValueLength}`;
  }
  if (!TAG_RULES.allowed.test(value)) {
    return `has a value with characters AWS tags cannot hold (allowed: ${TAG_RULES.allowedText})`;
  }
  return undefined;
}

/** Whether the date (and time) of an ISO-8601 text exist: no 30 February, no hour 24, no minute 60. */
export function onTheCalendar(iso: string): boolean {
  const [y, mo, d, h = 0, mi = 0, s = 0] = (iso.match(/\d+/g) ?? []).slice(0, 6).map(Number);
  const day = new Date(Date.UTC(y, mo - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === mo - 1 && day.getUTCDate() === d && h <= 23 && mi <= 59
    && s <= 59;
}

function sandboxTags(r: Reader): Record<string, string> {
  const owner = r.string("sandboxOwner");
  if (owner !== undefined) {
    const why = tagProblem("owner", owner);
    if (why) {
      r.bad("sandboxOwner", owner, `is recorded as tag owner but ${why}`,
        `use ${TAG_RULES.allowedText}, e.g. your GitHub login`);
    }
  }
  const expiresAt = r.string("sandboxExpiresAt");
  if (expiresAt !== undefined) {
    const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
    if (!iso.test(expiresAt) || Number.isNaN(Date.parse(expiresAt))) {
      r.bad("sandboxExpiresAt", expiresAt, "is not an ISO-8601 date/time", "e.g. 2026-12-01T18:00:00Z");
    } else if (!onTheCalendar(expiresAt)) {
      r.bad("sandboxExpiresAt", expiresAt,
        "names a day or time that does not exist (Date.parse would roll it over into the next month or day)",
        "e.g. 2026-12-01T18:00:00Z");
    }
  }
  return { ...(owner ? { owner } : {}), ...(expiresAt ? { "expires-at": expiresAt } : {}) };
}

/** The tags of every resource: the user's extra tags, then the stack's own (which the user may not override). */
export function parseTags(r: Reader, stack: { project: string; stack: string; stage: Stage }): Record<string, string> {
  const extra = r.map("tags");
  for (const [key, value] of Object.entries(extra)) {
    if ((STACK_TAG_KEYS as readonly string[]).includes(key)) {
      r.bad("tags", key, "overrides a tag the stack sets itself",
        `rename it; ${STACK_TAG_KEYS.join(", ")} are reserved`);
      continue;
    }
    const why = tagProblem(key, value);
    if (why) r.bad("tags", key, why, "shorten or rename it");
  }
  const own = { project: stack.project, stack: stack.stack, stage: stack.stage, "managed-by": "pulumi",
    ...sandboxTags(r) };
  // Resources that carry a Name tag have one more.
  const most = Object.keys(extra).length + Object.keys(own).length + 1;
  if (most > TAG_RULES.maxTags) {
    r.bad(
      "tags",
      `${Object.keys(extra).length} tags`,
      `would give some resources ${most} tags (the stack adds ${Object.keys(own).length + 1} of its own: ${
        [...Object.keys(own), "Name"].join(", ")
      }), above AWS's ${TAG_RULES.maxTags} per resource`,
      `keep at most ${TAG_RULES.maxTags - Object.keys(own).length - 1} extra tags`,
    );
  }
  return { ...extra, ...own };
}
