// The one place the plan tells facts from stand-ins. Offline, the AWS mock makes up what only AWS can
// say (an Elastic IP's address, an instance id, the AMI an SSM parameter names today): deterministic
// values the tests assert on, but no fact about a real account. The plan's output shows each of them
// as `<what, known after up>` so nobody creates a DNS record for an address that does not exist.

/** Made-up value → what it stands for (AwsMock.invented). */
export type Unknowns = ReadonlyMap<string, string>;

/** How an unknown value is shown. */
export const unknownMarker = (what: string): string => `<${what}>`;

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/**
 * `text` with every made-up value replaced by its marker. A value matches only as a whole token (not
 * inside a longer id or address); longer values are replaced first.
 */
export function markUnknowns(text: string, unknowns: Unknowns): string {
  if (unknowns.size === 0) return text;
  const values = [...unknowns.keys()].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(`(?<![A-Za-z0-9.-])(${values.map(escape).join("|")})(?![A-Za-z0-9-]|\\.[A-Za-z0-9])`, "g");
  return text.replace(pattern, (value) => unknownMarker(unknowns.get(value) ?? "unknown until up"));
}
