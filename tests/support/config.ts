// Shared by the config tests (tests/unit/config-*.test.ts): parsing a stack's settings as config does,
// against the example app's files, and the test keys and SSH allowlist they pass.
import { parseConfig, ParseContext, StackConfig } from "../../components/config";
import { problemsOfParse } from "../unit/configProblems";

const files = new Set(["app", "app/docker-compose.prod.yml"]);
/** Where config parses: the project's `stack` in `region`, with only app/ and its compose file present. */
export const parseContext = (stack = "dev", region: string | null = "us-east-1"): ParseContext => ({
  project: "compose-on-ec2",
  stack,
  region: region ?? undefined,
  fileExists: (p) => files.has(p),
});
export const parse = (raw: Record<string, unknown>, stack = "dev", region: string | null = "us-east-1"): StackConfig =>
  parseConfig(raw, parseContext(stack, region));
/** An SSH allowlist prod accepts. */
export const PROD_SSH = { sshCidrs: ["203.0.113.0/24"] };
/** A matching test key pair (no real key behind it). */
export const PUB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGFrZWtleWZvcnRlc3RzMDEyMzQ1Njc4OWFiY2RlZg== me@laptop";
export const PRIV =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";

/** Parses and returns the problems; fails the test when parsing succeeds. */
export function problemsOf(raw: Record<string, unknown>, stack = "dev", region: string | null = "us-east-1"): string[] {
  return problemsOfParse(() => parse(raw, stack, region), `${JSON.stringify(raw)} (stack ${stack})`);
}
