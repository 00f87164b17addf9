// components/host.ts: AMI from SSM, IMDSv2, encrypted gp3, key pair, instance role, EIP, cloud-init.
import * as assert from "assert";
import * as crypto from "crypto";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  amiParameterName, checkSshUser, EC2_ASSUME_ROLE_POLICY, ecrRegistryHost, HostKeyPair, PROVISION_LAYOUT_PATH, PROVISION_PATH, provisionLayout,
  renderUserData, SSHD_HOST_KEY_CONFIG, withoutCommentLines,
} from "../../components/host";
import { HOST_LAYOUT, hostBaseDir, hostPath } from "../../components/layout";
import { Arch, HostOs } from "../../components/config";
import { containerLogGroupName } from "../../components/monitoring";
import { AwsMock, isSecret, PROJECT, readYaml, runProgram, unwrapSecrets, valueOf } from "../../lib/engine";
import { stackRun, TEST_SSH_PUBLIC_KEY, variantRun } from "../support/fixtures";
import { writtenContent } from "../support/cloudInit";

const INSTANCE = "aws:ec2/instance:Instance";
const VARIANTS: [HostOs, Arch, string][] = [
  ["al2023", "x86_64", "ec2-user"],
  ["al2023", "arm64", "ec2-user"],
  ["ubuntu", "x86_64", "ubuntu"],
  ["ubuntu", "arm64", "ubuntu"],
];

const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
/** A host key as @pulumi/tls gives it (the private half stands in; cloud-init only copies it). */
const HOST_KEY: HostKeyPair = {
  privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
  publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyForTheUnitTests0000000000000000",
};

/** The host key the mock's @pulumi/tls gave the Host (resource host-host-key). */
function hostKeyOf(mock: { resources: { name: string; state: Record<string, string> }[] }): HostKeyPair {
  const key = mock.resources.find((r) => r.name === "host-host-key")!;
  return { privateKey: unwrapSecrets(key.state.privateKeyOpenssh), publicKey: unwrapSecrets(key.state.publicKeyOpenssh).trim() };
}
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
  const probe = spawnSync(python[0], [...python.slice(1), "-c", "import cloudinit.config.schema"], { encoding: "utf8", timeout: 20000 });
  if (probe.status !== 0) return `cloud-init's validator does not import under ${python.join(" ")}: ${(probe.stderr || String(probe.error)).trim().split("\n").pop()}`;
  return python;
}

const PROVISION_SCRIPT = path.resolve(__dirname, "..", "..", "host", "cloud-init", "provision.sh");

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
  describe("AMI parameter", () => {
    it("picks the SSM public parameter for the OS and architecture", () => {
      assert.strictEqual(amiParameterName("al2023", "x86_64"), "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
      assert.strictEqual(amiParameterName("al2023", "arm64"), "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64");
      assert.strictEqual(amiParameterName("ubuntu", "x86_64"), "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id");
      assert.strictEqual(amiParameterName("ubuntu", "arm64"), "/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id");
    });
  });

  describe("renderUserData", () => {
    for (const [hostOs, arch, user] of VARIANTS) {
      describe(`${hostOs} ${arch}`, () => {
        const doc = cloudConfigOf(renderUserData(hostOs, arch, user, REGISTRY, HOST_KEY));
        it("writes host/cloud-init/provision.sh as it is in the repository but for its comment lines, executable", () => {
          const entry = doc.write_files.find((f: { path: string }) => f.path === PROVISION_PATH);
          assert.strictEqual(entry.permissions, "0755");
          assert.strictEqual(entry.encoding, "gz+b64", "scripts ship compressed (cloud-init decodes gz+b64 before writing)");
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
          assert.deepStrictEqual(doc.ssh_keys, { ed25519_private: HOST_KEY.privateKey, ed25519_public: HOST_KEY.publicKey });
          assert.strictEqual(doc.ssh_deletekeys, true);
          const dropIn = doc.write_files.find((f: { path: string }) => f.path === SSHD_HOST_KEY_CONFIG.path);
          assert.match(dropIn.content, /^HostKeyAlgorithms ssh-ed25519$/m);
          assert.deepStrictEqual(doc.write_files.map((f: { path: string }) => f.path), [SSHD_HOST_KEY_CONFIG.path, PROVISION_PATH, PROVISION_LAYOUT_PATH]);
        });
        it(`runs it once with ${hostOs}, ${arch}, ${user}, the base directory, and the ECR registry`, () => {
          assert.deepStrictEqual(doc.runcmd, [
            ["bash", PROVISION_PATH, hostOs, arch, user, hostBaseDir(user), REGISTRY],
          ]);
        });
      });
    }
    it("starts with #cloud-config", () => assert.ok(renderUserData("al2023", "x86_64", "ec2-user", REGISTRY, HOST_KEY).startsWith("#cloud-config\n")));
    it("passes cloud-init's schema validation for every OS and architecture (when cloud-init is installed)", function () {
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
      const r = spawnSync(python[0], [...python.slice(1), "-c", check], { input: JSON.stringify(docs), encoding: "utf8" });
      assert.strictEqual(r.status, 0, r.stderr);
      assert.strictEqual(r.stdout.trim(), "valid");
    });
    it("is deterministic", () => assert.strictEqual(renderUserData("ubuntu", "arm64", "ubuntu", REGISTRY, HOST_KEY), renderUserData("ubuntu", "arm64", "ubuntu", REGISTRY, HOST_KEY)));
  });

  describe("provision.sh", () => {
    /** provision.sh and the layout.sh cloud-init writes beside it, as on the instance, in a scratch directory. */
    function provisionAsOnHost(): { dir: string; script: string } {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "provision-"));
      fs.copyFileSync(PROVISION_SCRIPT, path.join(dir, path.basename(PROVISION_PATH)));
      fs.writeFileSync(path.join(dir, path.basename(PROVISION_LAYOUT_PATH)), provisionLayout());
      return { dir, script: path.join(dir, path.basename(PROVISION_PATH)) };
    }

    it("gets the host layout's names from host/release/layout.sh, written beside it", () => {
      const { dir } = provisionAsOnHost();
      try {
        const names = Object.keys(HOST_LAYOUT).map((k) => `layout_${k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`);
        const r = spawnSync("bash", ["-c", `set -u; source "$1"; printf '%s\\n' ${names.map((n) => `"\${${n}}"`).join(" ")}`, "layout-test", path.join(dir, "layout.sh")], { encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stderr);
        assert.deepStrictEqual(r.stdout.split("\n").slice(0, -1), Object.values(HOST_LAYOUT));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it("points the edge's units at the serving release's scripts and at edge-lib.sh's settings, config and run directory", () => {
      const { dir, script } = provisionAsOnHost();
      const release = path.join(__dirname, "..", "..", "host", "release");
      try {
        const units = spawnSync("bash", ["-c", 'source "$1"; source "$(dirname "$1")/layout.sh"; base_dir=/b; edge_unit_paths; printf "%s\\n" "${release_scripts}" "${settings}" "${edge_config}" "${edge_run_dir}"', "provision-test", script], { encoding: "utf8" });
        assert.strictEqual(units.status, 0, units.stderr);
        const edge = spawnSync("bash", ["-c", 'source "$1/layout.sh"; source "$1/edge-lib.sh"; base_dir=/b; edge_paths; printf "%s\\n" "${edge_settings}" "${edge_config}" "${edge_run_dir}"', "edge-test", release], { encoding: "utf8" });
        assert.strictEqual(edge.status, 0, edge.stderr);
        assert.deepStrictEqual(units.stdout.split("\n").slice(0, -1), [hostPath("/b", "current", HOST_LAYOUT.releaseScripts), ...edge.stdout.split("\n").slice(0, -1)]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it("names the edge's and lego's groups, users and services as edge-lib.sh does, and runs HAProxy on edge-lib.sh's sockets and pid file", () => {
      const release = path.join(__dirname, "..", "..", "host", "release");
      const provision = spawnSync("bash", ["-c", 'source "$1"; source "$2/layout.sh"; base_dir=/b; printf "%s\\n" "${edge_group}" "${edge_service}" "$(edge_haproxy_command)"', "provision-test", PROVISION_SCRIPT, release], { encoding: "utf8" });
      assert.strictEqual(provision.status, 0, provision.stderr);
      const edge = spawnSync("bash", ["-c", 'source "$1/layout.sh"; source "$1/edge-lib.sh"; base_dir=/b; edge_paths; printf "%s\\n" "${edge_group}" "${edge_service}" "${edge_master_socket}" "${edge_pidfile}" "${edge_config}"', "edge-test", release], { encoding: "utf8" });
      assert.strictEqual(edge.status, 0, edge.stderr);
      const [group, service, command] = provision.stdout.split("\n");
      const [edgeGroup, edgeService, master, pidfile, config] = edge.stdout.split("\n");
      assert.deepStrictEqual([group, service], [edgeGroup, edgeService]);
      const acmeNames = 'printf "%s\\n" "${acme_user}" "${acme_group}" "${acme_service}"';
      const fromProvision = spawnSync("bash", ["-c", `source "$1"; ${acmeNames}`, "provision-test", PROVISION_SCRIPT], { encoding: "utf8" });
      const fromEdgeLib = spawnSync("bash", ["-c", `source "$1/layout.sh"; source "$1/edge-lib.sh"; ${acmeNames}`, "edge-test", release], { encoding: "utf8" });
      assert.deepStrictEqual(fromProvision.stdout.split("\n"), fromEdgeLib.stdout.split("\n"), "lego's user, group and service: the same names in provision.sh and edge-lib.sh");
      assert.strictEqual(fromProvision.stdout, "compose-acme\ncompose-acme\n/usr/local/sbin/compose-on-ec2-acme\n");
      assert.strictEqual(command, `/usr/sbin/haproxy -Ws -S ${master},mode,660 -p ${pidfile} -f ${config}`);
    });

    /** provision.sh's step `body` with visudo stubbed and the sudoers files and edge service redirected into a scratch root ($R). */
    function provisionFiles(body: string): { status: number; stderr: string; read: (file: string) => string; done: () => void } {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), "provision-files-"));
      fs.mkdirSync(path.join(root, "etc", "sudoers.d"), { recursive: true });
      fs.mkdirSync(path.join(root, "sbin"), { recursive: true });
      const script = [
        'source "$1"; source "$2/layout.sh"',
        'R="$3"; visudo() { echo "visudo $*" >> "$R/visudo.log"; }',
        'deploy_sudoers="$R/etc/sudoers.d/compose-on-ec2"; cloud_init_sudoers="$R/etc/sudoers.d/90-cloud-init-users"; edge_service="$R/sbin/compose-on-ec2-edge"',
        body,
      ].join("\n");
      const r = spawnSync("bash", ["-c", script, "provision-test", PROVISION_SCRIPT, path.join(__dirname, "..", "..", "host", "release"), root], { encoding: "utf8" });
      return {
        status: r.status ?? 1,
        stderr: r.stderr,
        read: (file) => fs.readFileSync(path.join(root, file), "utf8"),
        done: () => fs.rmSync(root, { recursive: true, force: true }),
      };
    }

    it("lets the SSH user run as root exactly the edge service's start, stop and restart, as the ACME client's user exactly its service, and removes cloud-init's blanket rule", () => {
      const files = provisionFiles('echo "ec2-user ALL=(ALL) NOPASSWD:ALL" > "$cloud_init_sudoers"; write_deploy_sudoers ec2-user /home/ec2-user/compose-on-ec2');
      try {
        assert.strictEqual(files.status, 0, files.stderr);
        const rule = files.read("etc/sudoers.d/compose-on-ec2").split("\n").filter((l) => l && !l.startsWith("#"));
        const service = path.join("sbin", "compose-on-ec2-edge");
        assert.strictEqual(rule.length, 2, rule.join("\n"));
        const [who, commands] = rule[0].split(" NOPASSWD: ");
        assert.strictEqual(who, "ec2-user ALL=(root)");
        assert.deepStrictEqual(commands.split(", ").map((c) => c.replace(/^.*\/sbin\//, "sbin/")),
          ["start", "stop", "restart"].map((verb) => `${service} ${verb} /home/ec2-user/compose-on-ec2`));
        const [acmeWho, acmeCommands] = rule[1].split(" NOPASSWD: ");
        assert.strictEqual(acmeWho, "ec2-user ALL=(compose-acme)");
        assert.deepStrictEqual(acmeCommands.split(", "), ["obtain", "renew-now"].map((verb) => `/usr/local/sbin/compose-on-ec2-acme ${verb} /home/ec2-user/compose-on-ec2`));
        assert.throws(() => files.read("etc/sudoers.d/90-cloud-init-users"), /ENOENT/, "cloud-init's NOPASSWD:ALL rule is gone");
        assert.match(files.read("visudo.log"), /^visudo -cf /, "checked by visudo before it is installed");
      } finally {
        files.done();
      }
    });

    it("writes an ACME service that runs only the serving release's lego.sh for the provisioned base directory, and only as the ACME client's user", () => {
      const files = provisionFiles('acme_service="$R/sbin/compose-on-ec2-acme"; acme_user="$(id -un)"; write_acme_service /home/ec2-user/compose-on-ec2; ' +
        'for args in "obtain /home/ec2-user/compose-on-ec2" "renew-now /home/ec2-user/compose-on-ec2" "obtain /tmp" "run /home/ec2-user/compose-on-ec2" "obtain"; do out="$("$acme_service" $args 2>&1)" && rc=0 || rc=$?; echo "$args => $out [$rc]"; done > "$R/out"; ' +
        'acme_user=nobody-else; write_acme_service /home/ec2-user/compose-on-ec2; "$acme_service" obtain /home/ec2-user/compose-on-ec2 >> "$R/out" 2>&1 || echo "[$?]" >> "$R/out"');
      try {
        assert.strictEqual(files.status, 0, files.stderr);
        const out = files.read("out").trim().split("\n");
        // The release does not exist here: exec names the path it would run.
        assert.match(out[0], /^obtain \/home\/ec2-user\/compose-on-ec2 => .*\/home\/ec2-user\/compose-on-ec2\/current\/\.compose-on-ec2\/lego\.sh.*\[(126|127)\]$/);
        assert.match(out[1], /^renew-now \/home\/ec2-user\/compose-on-ec2 => .*\/current\/\.compose-on-ec2\/lego\.sh.*\[(126|127)\]$/);
        for (const refused of out.slice(2, 5)) assert.match(refused, / => usage: \S+compose-on-ec2-acme obtain\|renew-now <base dir> \[2\]$/, refused);
        assert.match(out.slice(5).join("\n"), /runs as nobody-else only\n\[2\]$/);
      } finally {
        files.done();
      }
    });

    it("writes an edge service that only starts, stops or restarts the edge's unit for the provisioned base directory", () => {
      const files = provisionFiles('write_edge_service /home/ec2-user/compose-on-ec2; PATH="$R/bin:$PATH"; mkdir -p "$R/bin"; printf "#!/bin/sh\\necho \\"systemctl \\$*\\"\\n" > "$R/bin/systemctl"; chmod +x "$R/bin/systemctl"; ' +
        'for args in "start /home/ec2-user/compose-on-ec2" "restart /home/ec2-user/compose-on-ec2" "start /tmp" "reload /home/ec2-user/compose-on-ec2" "start"; do out="$("$edge_service" $args 2>&1)" && rc=0 || rc=$?; echo "$args => $out [$rc]"; done > "$R/out"');
      try {
        assert.strictEqual(files.status, 0, files.stderr);
        const out = files.read("out").trim().split("\n");
        assert.strictEqual(out[0], "start /home/ec2-user/compose-on-ec2 => systemctl start compose-on-ec2-edge.service [0]");
        assert.strictEqual(out[1], "restart /home/ec2-user/compose-on-ec2 => systemctl restart compose-on-ec2-edge.service [0]");
        assert.strictEqual(out.length, 5, out.join("\n"));
        for (const refused of out.slice(2)) assert.match(refused, / => usage: \S+compose-on-ec2-edge start\|stop\|restart \/home\/ec2-user\/compose-on-ec2 \[2\]$/, refused);
      } finally {
        files.done();
      }
    });

    it("runs the edge as its own user with cap_net_bind_service from its unit, never as the SSH user, and sets no file capability", () => {
      const text = fs.readFileSync(PROVISION_SCRIPT, "utf8");
      const units = /^write_edge_units\(\) \{[\s\S]*?^\}/m.exec(text)?.[0] ?? "";
      const edgeUnit = units.slice(0, units.indexOf("Description=compose-on-ec2 certificate renewal"));
      for (const line of ['"User=${edge_user}"', '"Group=${edge_group}"', '"AmbientCapabilities=CAP_NET_BIND_SERVICE"', '"CapabilityBoundingSet=CAP_NET_BIND_SERVICE"', '"NoNewPrivileges=yes"', '"Type=notify"', '"ExecStart=${command}"']) {
        assert.ok(edgeUnit.includes(line), `the edge's unit has ${line}`);
      }
      assert.ok(!edgeUnit.includes("User=${user}"), "not as the SSH user");
      assert.doesNotMatch(text.split("\n").filter((l) => !/^\s*#/.test(l)).join("\n"), /setcap/, "no file capability on the haproxy binary");
      assert.match(text, /^edge_user=compose-haproxy$/m);
      assert.match(/^create_edge_users\(\) \{[\s\S]*?^\}/m.exec(text)?.[0] ?? "", /useradd --system --gid "\$\{edge_group\}" --no-create-home --home-dir \/nonexistent --shell \/usr\/sbin\/nologin/);
    });

    it("is a syntactically valid bash script", () => {
      const r = spawnSync("bash", ["-n", PROVISION_SCRIPT], { encoding: "utf8" });
      assert.strictEqual(r.status, 0, r.stderr);
    });
    /** bash with provision.sh sourced, `curl -o FILE URL` answering with BODY (URLs logged to $CURL_LOG), then `body`. */
    function provisionStep(body: string, env: Record<string, string> = {}): { status: number; stdout: string; stderr: string; urls: string[]; dir: string } {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "provision-step-"));
      const script = [
        'source "$1"',
        'curl() { local out=""; while (( $# )); do case "$1" in -o) out="$2"; shift 2 ;; --retry) shift 2 ;; -*) shift ;; *) echo "$1" >> "$CURL_LOG"; shift ;; esac; done; printf "%s" "$BODY" > "$out"; }',
        body,
      ].join("\n");
      const r = spawnSync("bash", ["-c", script, "provision-test", PROVISION_SCRIPT], {
        encoding: "utf8", env: { ...process.env, CURL_LOG: path.join(dir, "urls"), BODY: "a compose binary", ...env }, cwd: dir,
      });
      const urls = fs.existsSync(path.join(dir, "urls")) ? fs.readFileSync(path.join(dir, "urls"), "utf8").trim().split("\n") : [];
      return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr, urls, dir };
    }
    const sha256 = (text: string): string => crypto.createHash("sha256").update(text).digest("hex");
    const pinned = (name: string): string => new RegExp(`^${name}=(\\S+)$`, "m").exec(fs.readFileSync(PROVISION_SCRIPT, "utf8"))?.[1] ?? "";

    it("pins the compose plugin's sha256 for both architectures in the script itself, never fetching a sum from the release", () => {
      const text = fs.readFileSync(PROVISION_SCRIPT, "utf8");
      assert.match(pinned("compose_version"), /^v2\.\d+\.\d+$/);
      for (const arch of ["x86_64", "arm64"]) assert.match(pinned(`compose_sha256_${arch}`), /^[0-9a-f]{64}$/, `compose ${arch}`);
      // The one exception: lego on arm64 until its sum is pinned (checked against its release's checksums file).
      const lines = text.split("\n").filter((l) => /checksums\.txt"|\.sha256"|sha256sum -c -\)/.test(l));
      assert.ok(lines.every((l) => l.includes("lego_${lego_version}_checksums.txt")), `only lego's unpinned arm64 sum is fetched: ${lines.join(" | ")}`);
      assert.doesNotMatch(text, /docker-compose-plugin/, "Ubuntu does not take compose from Docker's apt repository");
    });

    it("installs the same pinned compose plugin on AL2023 and Ubuntu", () => {
      const main = /^main\(\) \{[\s\S]*?^\}/m.exec(fs.readFileSync(PROVISION_SCRIPT, "utf8"))?.[0] ?? "";
      assert.match(main, /esac\n\s+install_compose_plugin\n/, "after either OS's docker install, outside the per-OS case");
      assert.match(main, /docker compose version --short\)" == "\$\{compose_version#v\}"/, "and checks docker runs that version");
    });

    for (const arch of ["x86_64", "arm64"]) {
      it(`installs the ${arch} compose plugin only when it matches the pinned sha256`, () => {
        const binary = arch === "arm64" ? "aarch64" : "x86_64";
        const good = provisionStep(`arch=${arch}; compose_plugin_dir="$PWD/plugins"; compose_sha256_${arch}=${sha256("a compose binary")}; install_compose_plugin; stat -c %a plugins/docker-compose`);
        assert.strictEqual(good.status, 0, good.stderr);
        assert.deepStrictEqual(good.urls, [`https://github.com/docker/compose/releases/download/${pinned("compose_version")}/docker-compose-linux-${binary}`]);
        assert.strictEqual(good.stdout.trim(), "755");
        const bad = provisionStep(`arch=${arch}; compose_plugin_dir="$PWD/plugins"; install_compose_plugin`, { BODY: "a tampered binary" });
        assert.notStrictEqual(bad.status, 0);
        assert.match(bad.stderr, /does not match its pinned sha256 [0-9a-f]{64}: not installed/);
        assert.ok(!fs.existsSync(path.join(bad.dir, "plugins", "docker-compose")) && !fs.existsSync(path.join(bad.dir, "plugins", "docker-compose.part")), "nothing left behind");
        fs.rmSync(good.dir, { recursive: true, force: true });
        fs.rmSync(bad.dir, { recursive: true, force: true });
      });
    }

    it("refuses to provision anything while compose's sha256 is not pinned, naming the setting", () => {
      const r = provisionStep(`arch=x86_64; compose_sha256_x86_64=; check_pins; echo passed`);
      assert.notStrictEqual(r.status, 0);
      assert.match(r.stderr, /no sha256 pinned for compose on x86_64 \(compose_sha256_x86_64= in host\/cloud-init\/provision\.sh\)/);
      assert.deepStrictEqual(r.urls, [], "before any download");
      fs.rmSync(r.dir, { recursive: true, force: true });
      const ok = provisionStep(`arch=arm64; check_pins; echo passed`);
      assert.strictEqual(ok.stdout.trim(), "passed", ok.stderr);
      fs.rmSync(ok.dir, { recursive: true, force: true });
    });

    it("pins lego's x86_64 archive in the repository (its arm64 sum is checked against the release's checksums until pinned)", () => {
      assert.match(pinned("lego_sha256_x86_64"), /^[0-9a-f]{64}$/);
    });

    it("checks lego's archive against its pinned sha256, not against the release's checksums file", () => {
      const r = provisionStep(`arch=arm64; lego_sha256_arm64=${sha256("a compose binary")}; fetch_verified "https://example.invalid/lego.tar.gz" "$PWD/lego.tar.gz" "$(pinned_sha256 lego)" && echo kept`);
      assert.strictEqual(r.stdout.trim(), "kept", r.stderr);
      assert.deepStrictEqual(r.urls, ["https://example.invalid/lego.tar.gz"]);
      fs.rmSync(r.dir, { recursive: true, force: true });
    });

    it("routes only the stack's ECR registry through the credential helper (credHelpers, no credsStore)", () => {
      const home = fs.mkdtempSync(path.join(os.tmpdir(), "provision-home-"));
      try {
        const r = spawnSync("bash", ["-c", 'source "$1"; write_docker_config "$2" "$3"', "provision-test", PROVISION_SCRIPT, home, REGISTRY], { encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stderr);
        const config = JSON.parse(fs.readFileSync(path.join(home, ".docker", "config.json"), "utf8"));
        assert.deepStrictEqual(config, { credHelpers: { [REGISTRY]: "ecr-login" } });
      } finally {
        fs.rmSync(home, { recursive: true, force: true });
      }
    });
  });

  describe("ecrRegistryHost", () => {
    it("names the account's registry in the region", () => {
      assert.strictEqual(ecrRegistryHost("123456789012", "eu-west-1"), "123456789012.dkr.ecr.eu-west-1.amazonaws.com");
      assert.strictEqual(ecrRegistryHost("123456789012", "cn-north-1"), "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn");
    });
  });

  describe("checkSshUser", () => {
    it("accepts the OS logins and refuses root and invalid names", () => {
      assert.strictEqual(checkSshUser("ec2-user"), "ec2-user");
      assert.strictEqual(checkSshUser("ubuntu"), "ubuntu");
      assert.throws(() => checkSshUser("root"), /never root/);
      assert.throws(() => checkSshUser("Bad User"), /not a valid login name/);
    });
  });

  for (const stack of ["dev", "prod"] as const) {
    describe(`${stack} stack`, () => {
      const size = stack === "prod" ? { instanceType: "t3.medium", rootVolumeGb: 30 } : { instanceType: "t3.small", rootVolumeGb: 20 };
      it("launches the latest AL2023 x86_64 AMI from SSM and ignores later AMI updates", async () => {
        const { mock } = await stackRun(stack);
        const call = mock.calls.find((c) => c.token === "aws:ssm/getParameter:getParameter");
        assert.strictEqual(call?.args.name, amiParameterName("al2023", "x86_64"));
        const instance = mock.one(INSTANCE);
        assert.match(instance.inputs.ami, /^ami-[0-9a-f]{17}$/);
        assert.deepStrictEqual(instance.options.ignoreChanges, ["ami", "userData"]);
      });
      it(`is a ${size.instanceType} with IMDSv2 only and an encrypted ${size.rootVolumeGb} GiB gp3 root volume`, async () => {
        const instance = (await stackRun(stack)).mock.one(INSTANCE);
        assert.strictEqual(instance.inputs.instanceType, size.instanceType);
        assert.strictEqual(instance.inputs.metadataOptions.httpTokens, "required");
        const root = instance.inputs.rootBlockDevice;
        assert.deepStrictEqual([root.volumeType, root.volumeSize, root.encrypted, root.deleteOnTermination], ["gp3", size.rootVolumeGb, true, true]);
      });
      it("keeps containers away from the instance role: IMDS answers one network hop only", async () => {
        const instance = (await stackRun(stack)).mock.one(INSTANCE);
        assert.deepStrictEqual(instance.inputs.metadataOptions, { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
      });
      it("boots with the rendered cloud-init for the account's ECR registry and never replaces the host for user-data edits", async () => {
        const { mock } = await stackRun(stack);
        const instance = mock.one(INSTANCE);
        assert.strictEqual(
          instance.inputs.userData,
          renderUserData("al2023", "x86_64", "ec2-user", ecrRegistryHost(mock.accountId, mock.region), hostKeyOf(mock), { logGroupName: containerLogGroupName(PROJECT, stack), region: mock.region }),
        );
        assert.strictEqual(instance.inputs.userDataReplaceOnChange, false);
      });
      it("generates the host's ED25519 host key, boots with it in secret user data, and pins it on every connection", async () => {
        const { mock, exports } = await stackRun(stack);
        const hostKey = mock.resources.find((r) => r.name === "host-host-key")!;
        assert.strictEqual(hostKey.inputs.algorithm, "ED25519");
        const instance = mock.one(INSTANCE);
        assert.ok(instance.secretInputs.includes("userData"), "the user data (holding the private host key) is a secret in state");
        assert.ok(String(instance.inputs.userData).includes(JSON.stringify(hostKeyOf(mock).privateKey)));
        assert.strictEqual(await valueOf(exports.hostPublicKey as never), hostKeyOf(mock).publicKey);
        const steps = mock.resources.filter((r) => r.type.startsWith("command:") && r.name.startsWith("app-"));
        assert.ok(steps.length >= 4);
        for (const step of steps) {
          const pinned = step.type === "command:local:Command"
            ? (step.inputs.environment as Record<string, string>)[step.name === "app-teardown" ? "TEARDOWN_HOST_KEY" : "SESSION_HOST_KEY"]
            : (step.inputs.connection as Record<string, string>).hostKey;
          assert.strictEqual(pinned, hostKeyOf(mock).publicKey, `${step.name} pins the host key`);
        }
      });
      it("generates an ED25519 key pair and exports the private key only as a secret", async () => {
        const { mock, exports } = await stackRun(stack);
        const key = mock.resources.find((r) => r.name === "host-ssh")!;
        assert.strictEqual(key.inputs.algorithm, "ED25519");
        const keyPair = mock.one("aws:ec2/keyPair:KeyPair");
        assert.strictEqual(keyPair.inputs.publicKey, key.state.publicKeyOpenssh.trim());
        assert.strictEqual(mock.one(INSTANCE).inputs.keyName, keyPair.state.keyName);
        assert.strictEqual(await isSecret(exports.sshPrivateKey), true);
        assert.match(await valueOf(exports.sshPrivateKey as never), /BEGIN OPENSSH PRIVATE KEY/);
      });
      it("gives the instance a role of its own policies, no managed one, attached before boot", async () => {
        const { mock } = await stackRun(stack);
        const role = mock.one("aws:iam/role:Role");
        assert.deepStrictEqual(JSON.parse(role.inputs.assumeRolePolicy), JSON.parse(EC2_ASSUME_ROLE_POLICY));
        assert.deepStrictEqual(mock.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.inputs.policyArn), []);
        const attachments = mock.ofType("aws:iam/rolePolicy:RolePolicy").filter((p) => /-(ecr|ssm)$/.test(p.name));
        // ECR pulls from the stack's own repositories only (images.ts names them <project>-<stack>/<service>).
        const ecr = JSON.parse(attachments.find((p) => p.name.endsWith("-ecr"))?.inputs.policy ?? "{}") as { Statement: { Action: string[]; Resource: string }[] };
        assert.deepStrictEqual(ecr.Statement.map((s) => [s.Action.join(" "), s.Resource.replace(/:\d{12}:/, ":<account>:")]), [
          ["ecr:GetAuthorizationToken", "*"],
          ["ecr:BatchGetImage ecr:GetDownloadUrlForLayer ecr:BatchCheckLayerAvailability", `arn:aws:ecr:us-east-1:<account>:repository/compose-on-ec2-${stack}/*`],
        ]);
        // Session Manager's agent only where the deployment goes through it (prod's default transport).
        assert.strictEqual(attachments.some((p) => p.name.endsWith("-ssm")), stack === "prod");
        assert.ok(attachments.every((a) => a.inputs.role === role.state.name));
        const profile = mock.one("aws:iam/instanceProfile:InstanceProfile");
        const instance = mock.one(INSTANCE);
        assert.strictEqual(instance.inputs.iamInstanceProfile, profile.state.name);
        for (const a of attachments) assert.ok(instance.options.dependencies.some((d) => d.endsWith(`::${a.name}`)), `instance waits for ${a.name}`);
      });
      it("serves from an Elastic IP associated with the instance, exported as publicIp", async () => {
        const { mock, outputs } = await stackRun(stack);
        const eip = mock.one("aws:ec2/eip:Eip");
        assert.strictEqual(eip.inputs.domain, "vpc");
        const assoc = mock.one("aws:ec2/eipAssociation:EipAssociation");
        assert.deepStrictEqual([assoc.inputs.allocationId, assoc.inputs.instanceId], [eip.id, mock.one(INSTANCE).id]);
        assert.strictEqual(outputs.publicIp, eip.state.publicIp);
        assert.notStrictEqual(outputs.publicIp, mock.one(INSTANCE).state.publicIp);
      });
      it("places all host resources under the Host component", async () => {
        const { mock } = await stackRun(stack);
        const host = mock.resources.find((r) => r.type === "compose-on-ec2:host:Host")!;
        const children = mock.resources.filter((r) => r.options.parent.endsWith(`compose-on-ec2:host:Host::${host.name}`));
        // host-ssm, Session Manager's agent policy, only on prod's transport ssm.
        assert.deepStrictEqual(children.map((r) => r.name).sort(), ["host-ecr", "host-eip", "host-eip-assoc", "host-host-key", "host-instance", "host-key", "host-profile", "host-role", "host-ssh", ...(stack === "prod" ? ["host-ssm"] : [])]);
      });
    });
  }

  it("runs Ubuntu on Graviton with the arm64 AMI and the given key pair (no generated key)", async () => {
    const { mock, outputs } = await variantRun("A");
    assert.strictEqual(mock.calls.find((c) => c.token === "aws:ssm/getParameter:getParameter")?.args.name, amiParameterName("ubuntu", "arm64"));
    const instance = mock.one(INSTANCE);
    assert.strictEqual(instance.inputs.instanceType, "t4g.small");
    assert.strictEqual(
      instance.inputs.userData,
      renderUserData("ubuntu", "arm64", "ubuntu", ecrRegistryHost(mock.accountId, mock.region), hostKeyOf(mock), { logGroupName: containerLogGroupName(PROJECT, "dev"), region: mock.region }),
    );
    assert.deepStrictEqual(mock.ofType("tls:index/privateKey:PrivateKey").map((k) => k.name), ["host-host-key"], "only the host key is generated");
    assert.strictEqual(mock.one("aws:ec2/keyPair:KeyPair").inputs.publicKey, TEST_SSH_PUBLIC_KEY);
    assert.strictEqual(outputs.sshUser, "ubuntu");
  });
  it("launches a pinned AMI as given and lets changing it replace the host (only userData is ignored)", async () => {
    const { mock } = await variantRun("B");
    assert.ok(!mock.calls.some((c) => c.token === "aws:ssm/getParameter:getParameter"));
    const instance = mock.one(INSTANCE);
    assert.strictEqual(instance.inputs.ami, "ami-0123456789abcdef0");
    assert.deepStrictEqual(instance.options.ignoreChanges, ["userData"]);
  });

  describe("a pinned AMI", () => {
    const AMI = "ami-0123456789abcdef0";
    it("is launched when its architecture matches the instance type", async () => {
      const mock = new AwsMock({ amiArchitectures: { [AMI]: "x86_64" } });
      await runProgram({ stack: "dev", mock, config: { amiId: AMI } });
      assert.strictEqual(mock.one("aws:ec2/instance:Instance").inputs.ami, AMI);
    });
    it("is refused, naming the AMI, both architectures and the fix, before the instance exists", async () => {
      const mock = new AwsMock({ amiArchitectures: { [AMI]: "arm64" } });
      await assert.rejects(runProgram({ stack: "dev", mock, config: { amiId: AMI } }),
        /amiId = "ami-0123456789abcdef0" is built for arm64, but instanceType t3.small is x86_64\. Fix: pin an x86_64 AMI/);
      assert.strictEqual(mock.ofType("aws:ec2/instance:Instance").length, 0);
    });
  });
});
