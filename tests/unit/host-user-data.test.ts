// components/userData.ts: the cloud-init user data (renderUserData) every OS and architecture boots with.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  HostKeyPair,
  PROVISION_LAYOUT_PATH,
  PROVISION_PATH,
  renderUserData,
  SSHD_HOST_KEY_CONFIG,
  withoutCommentLines,
} from "../../components/userData";
import { hostBaseDir } from "../../components/layout";
import { Arch, HostOs } from "../../components/config";
import { readYaml } from "../../lib/engine";
import { writtenContent } from "../support/cloudInit";
import { PROVISION_SCRIPT, REGISTRY } from "../support/host";

const VARIANTS: [HostOs, Arch, string][] = [
  ["al2023", "x86_64", "ec2-user"],
  ["al2023", "arm64", "ec2-user"],
  ["ubuntu", "x86_64", "ubuntu"],
  ["ubuntu", "arm64", "ubuntu"],
];

/** A host key as @pulumi/tls gives it (the private half stands in; cloud-init only copies it). */
const HOST_KEY: HostKeyPair = {
  privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
  publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyForTheUnitTests0000000000000000",
};

/**
 * The interpreter (command and leading arguments) that runs the installed cloud-init, when its schema
 * validator (cloudinit.config.schema, what `cloud-init schema` runs) imports there; otherwise why not.
 */
function cloudInitValidator(): string[] | string {
  const which = spawnSync("sh", ["-c", "command -v cloud-init"], { encoding: "utf8" });
  if (which.status !== 0) return "cloud-init is not installed (apt-get install cloud-init)";
  const shebang = fs.readFileSync(which.stdout.trim(), "utf8").split("\n")[0];
  if (!shebang.startsWith("#!")) return `${which.stdout.trim()} has no #! line naming its Python`;
  const python = shebang.slice(2).trim().split(/\s+/); // "/usr/bin/python3" or "/usr/bin/env python3"
  const probe = spawnSync(python[0], [...python.slice(1), "-c", "import cloudinit.config.schema"], { encoding: "utf8",
    timeout: 20000 });
  if (probe.status !== 0) {
    return `cloud-init's validator does not import under ${python.join(" ")}: ${
      (probe.stderr || String(probe.error)).trim().split("\n").pop()
    }`;
  }
  return python;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed YAML
function cloudConfigOf(userData: string): any {
  const tmp = path.join(os.tmpdir(), `ud-${process.pid}.yaml`);
  fs.writeFileSync(tmp, userData);
  try {
    return readYaml(tmp);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

describe("host", () => {
  describe("renderUserData", () => {
    for (const [hostOs, arch, user] of VARIANTS) {
      describe(`${hostOs} ${arch}`, () => {
        const doc = cloudConfigOf(renderUserData(hostOs, arch, user, REGISTRY, HOST_KEY));
        it("writes host/cloud-init/provision.sh as it is in the repository but for its comment lines, executable", () => {
          const entry = doc.write_files.find((f: { path: string }) => f.path === PROVISION_PATH);
          assert.strictEqual(entry.permissions, "0755");
          assert.strictEqual(entry.encoding, "gz+b64",
            "scripts ship compressed (cloud-init decodes gz+b64 before writing)");
          const written = writtenContent(entry);
          const repository = fs.readFileSync(PROVISION_SCRIPT, "utf8");
          assert.strictEqual(written, withoutCommentLines(repository, PROVISION_PATH));
          const code = (text: string) => text.split("\n").filter((l) => !/^\s*#/.test(l));
          assert.deepStrictEqual(code(written), code(repository), "every line of code ships, in order");
          assert.ok(written.startsWith("#!"), "the shebang stays");
          const check = spawnSync("bash", ["-n"], { input: written, encoding: "utf8" });
          assert.strictEqual(check.status, 0, check.stderr);
        });
        it("installs the stack's host key in place of the image's, and makes sshd offer only that ed25519 key", () => {
          assert.deepStrictEqual(doc.ssh_keys, { ed25519_private: HOST_KEY.privateKey,
            ed25519_public: HOST_KEY.publicKey });
          assert.strictEqual(doc.ssh_deletekeys, true);
          const dropIn = doc.write_files.find((f: { path: string }) => f.path === SSHD_HOST_KEY_CONFIG.path);
          assert.match(dropIn.content, /^HostKeyAlgorithms ssh-ed25519$/m);
          assert.deepStrictEqual(doc.write_files.map((f: { path: string }) => f.path), [SSHD_HOST_KEY_CONFIG.path,
            PROVISION_PATH, PROVISION_LAYOUT_PATH]);
        });
        it(`runs it once with ${hostOs}, ${arch}, ${user}, the base directory, and the ECR registry`, () => {
          assert.deepStrictEqual(doc.runcmd, [
            ["bash", PROVISION_PATH, hostOs, arch, user, hostBaseDir(user), REGISTRY],
          ]);
        });
      });
    }
    it("starts with #cloud-config", () =>
      assert.ok(renderUserData("al2023", "x86_64", "ec2-user", REGISTRY, HOST_KEY).startsWith("#cloud-config\n")));
    it("passes cloud-init's schema validation for every OS and architecture (when cloud-init is installed)", function() {
      // `cloud-init schema -c` costs ~1.5 s per file; its own validator in one process checks all four.
      const validator = cloudInitValidator();
      if (typeof validator === "string") {
        // Mocha's skip takes no reason: the title carries it into the report.
        this.test!.title += ` (skipped: ${validator})`;
        this.skip();
      }
      const python = validator;
      const docs = VARIANTS.map(([hostOs, arch, user]) => renderUserData(hostOs, arch, user, REGISTRY, HOST_KEY));
      const check = [
        "import json, sys, yaml",
        "from cloudinit.config.schema import validate_cloudconfig_schema, get_schema, SchemaValidationError",
        "schema = get_schema()",
        "for doc in json.load(sys.stdin):",
        "    validate_cloudconfig_schema(yaml.safe_load(doc), schema, strict=True)",
        "try:",
        "    validate_cloudconfig_schema({'runcmd': 5}, schema, strict=True)",
        "    sys.exit('validator accepted a bad document')",
        "except SchemaValidationError:",
        "    print('valid')",
      ].join("\n");
      const r = spawnSync(python[0], [...python.slice(1), "-c", check], { input: JSON.stringify(docs),
        encoding: "utf8" });
      assert.strictEqual(r.status, 0, r.stderr);
      assert.strictEqual(r.stdout.trim(), "valid");
    });
    it("is deterministic", () =>
      assert.strictEqual(renderUserData("ubuntu", "arm64", "ubuntu", REGISTRY, HOST_KEY),
        renderUserData("ubuntu", "arm64", "ubuntu", REGISTRY, HOST_KEY)));
  });
});
