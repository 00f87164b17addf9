// The host's user data against EC2's limit, for every committed stack and the variants that add to it.
// AWS: "User data is limited to 16 KB, in raw form, before it is base64-encoded"
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-add-user-data.html; RunInstances
// UserData). @pulumi/aws takes the raw text and base64-encodes it itself, so the raw byte count is
// what counts. The test keeps a margin: it fails above 14 KiB, before a small addition breaks a launch.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Registration } from "../../lib/engine";
import { planFor } from "../../scripts/lib/plan/run";
import { stackRun, variantRun } from "../support/fixtures";

/** EC2's limit on raw user data (16 KB) and the budget the stack keeps below it. */
const EC2_USER_DATA_LIMIT = 16384;
const USER_DATA_BUDGET = 14 * 1024;

const INSTANCE = "aws:ec2/instance:Instance";
const TLS_KEY = "tls:index/privateKey:PrivateKey";

/**
 * A real ED25519 host key as OpenSSH writes it (ssh-keygen, empty comment, as @pulumi/tls writes it):
 * the mock's stand-in key is shorter, and the user data carries the private key.
 */
function realEd25519PrivateKey(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ud-key-"));
  try {
    const r = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", path.join(dir, "k")], {
      encoding: "utf8",
      timeout: 10000,
    });
    if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
    return fs.readFileSync(path.join(dir, "k"), "utf8");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The runs the other unit tests share (no extra program run): both stack files and both host variants. */
const VARIANTS: { label: string; run: () => Promise<Registration[]> }[] = [
  { label: "dev", run: async () => (await stackRun("dev")).registrations },
  { label: "prod", run: async () => (await stackRun("prod")).registrations },
  // Ubuntu (other package steps in provision.sh) on Graviton, with its own key pair.
  { label: "dev variant ubuntu arm64", run: async () => (await variantRun("A")).registrations },
  // A sandbox stack (pr-7: stage sandbox, MariaDB, a pinned AMI).
  { label: "sandbox pr-7", run: async () => (await variantRun("B")).registrations },
];

describe("user data: what EC2 receives stays under 14 KiB (limit 16 KB raw)", () => {
  let realKey: string;
  before(() => {
    realKey = realEd25519PrivateKey();
  });

  for (const v of VARIANTS) {
    it(`${v.label}: rendered user data with a real-size host key is at most ${USER_DATA_BUDGET} bytes`, async function() {
      this.timeout(120000);
      const resources = await v.run();
      const instances = resources.filter((r) => r.type === INSTANCE);
      assert.strictEqual(instances.length, 1, "an ec2 stack has one host");
      const raw = String(instances[0].inputs.userData);
      const mockKey = resources.find((r) => r.type === TLS_KEY && r.name.endsWith("host-key"))?.outputs
        .privateKeyOpenssh;
      assert.ok(typeof mockKey === "string" && raw.includes(JSON.stringify(mockKey)),
        "the user data carries the host's private key");
      const userData = raw.replace(JSON.stringify(mockKey), JSON.stringify(realKey));
      const bytes = Buffer.byteLength(userData, "utf8");
      console.log(
        `      user data ${v.label}: ${bytes} bytes raw (${
          Math.ceil(bytes / 3) * 4
        } base64), budget ${USER_DATA_BUDGET}, EC2 limit ${EC2_USER_DATA_LIMIT}`,
      );
      assert.ok(bytes <= USER_DATA_BUDGET,
        `user data of ${v.label} is ${bytes} bytes, above the ${USER_DATA_BUDGET}-byte budget (EC2 refuses more than ${EC2_USER_DATA_LIMIT}): move content out of cloud-init`);
    });
  }

  for (const stack of ["dev", "prod"]) {
    it(`${stack} with hosting ecs launches no instance, so no user data (Fargate tasks)`, async function() {
      this.timeout(120000);
      const plan = await planFor(stack, undefined, { hosting: "ecs", cache: "redis" });
      assert.deepStrictEqual(plan.resources.filter((r) => r.type === INSTANCE), []);
      console.log(`      user data ${stack} ecs: none (no EC2 instance)`);
    });
  }
});
