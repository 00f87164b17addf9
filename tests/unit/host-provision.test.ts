// components/host.ts: host/cloud-init/provision.sh, the script cloud-init runs once on a new host.
import * as assert from "assert";
import * as crypto from "crypto";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROVISION_LAYOUT_PATH, PROVISION_PATH, provisionLayout } from "../../components/userData";
import { HOST_LAYOUT, hostPath } from "../../components/layout";
import { PROVISION_SCRIPT, REGISTRY } from "../support/host";

describe("host", () => {
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
        const names = Object.keys(HOST_LAYOUT).map((k) =>
          `layout_${k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`
        );
        const r = spawnSync("bash", ["-c",
          `set -u; source "$1"; printf '%s\\n' ${names.map((n) => `"\${${n}}"`).join(" ")}`, "layout-test",
          path.join(dir, "layout.sh")], { encoding: "utf8" });
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
        const units = spawnSync("bash", ["-c",
          'source "$1"; source "$(dirname "$1")/layout.sh"; base_dir=/b; edge_unit_paths; printf "%s\\n" "${release_scripts}" "${settings}" "${edge_config}" "${edge_run_dir}"',
          "provision-test", script], { encoding: "utf8" });
        assert.strictEqual(units.status, 0, units.stderr);
        const edge = spawnSync("bash", ["-c",
          'source "$1/layout.sh"; source "$1/edge-lib.sh"; base_dir=/b; edge_paths; printf "%s\\n" "${edge_settings}" "${edge_config}" "${edge_run_dir}"',
          "edge-test", release], { encoding: "utf8" });
        assert.strictEqual(edge.status, 0, edge.stderr);
        assert.deepStrictEqual(units.stdout.split("\n").slice(0, -1), [
          hostPath("/b", "current", HOST_LAYOUT.releaseScripts),
          ...edge.stdout.split("\n").slice(0, -1),
        ]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it("names the edge's and lego's groups, users and services as edge-lib.sh does, and runs HAProxy on edge-lib.sh's sockets and pid file", () => {
      const release = path.join(__dirname, "..", "..", "host", "release");
      const provision = spawnSync("bash", ["-c",
        'source "$1"; source "$2/layout.sh"; base_dir=/b; printf "%s\\n" "${edge_group}" "${edge_service}" "$(edge_haproxy_command)"',
        "provision-test", PROVISION_SCRIPT, release], { encoding: "utf8" });
      assert.strictEqual(provision.status, 0, provision.stderr);
      const edge = spawnSync("bash", ["-c",
        'source "$1/layout.sh"; source "$1/edge-lib.sh"; base_dir=/b; edge_paths; printf "%s\\n" "${edge_group}" "${edge_service}" "${edge_master_socket}" "${edge_pidfile}" "${edge_config}"',
        "edge-test", release], { encoding: "utf8" });
      assert.strictEqual(edge.status, 0, edge.stderr);
      const [group, service, command] = provision.stdout.split("\n");
      const [edgeGroup, edgeService, master, pidfile, config] = edge.stdout.split("\n");
      assert.deepStrictEqual([group, service], [edgeGroup, edgeService]);
      const acmeNames = 'printf "%s\\n" "${acme_user}" "${acme_group}" "${acme_service}"';
      const fromProvision = spawnSync("bash", ["-c", `source "$1"; ${acmeNames}`, "provision-test", PROVISION_SCRIPT], {
        encoding: "utf8",
      });
      const fromEdgeLib = spawnSync("bash", ["-c", `source "$1/layout.sh"; source "$1/edge-lib.sh"; ${acmeNames}`,
        "edge-test", release], { encoding: "utf8" });
      assert.deepStrictEqual(fromProvision.stdout.split("\n"), fromEdgeLib.stdout.split("\n"),
        "lego's user, group and service: the same names in provision.sh and edge-lib.sh");
      assert.strictEqual(fromProvision.stdout, "compose-acme\ncompose-acme\n/usr/local/sbin/compose-on-ec2-acme\n");
      assert.strictEqual(command, `/usr/sbin/haproxy -Ws -S ${master},mode,660 -p ${pidfile} -f ${config}`);
    });

    /** provision.sh's step `body` with visudo stubbed and the sudoers files and edge service redirected into a scratch root ($R). */
    function provisionFiles(
      body: string,
    ): { status: number; stderr: string; read: (file: string) => string; done: () => void } {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), "provision-files-"));
      fs.mkdirSync(path.join(root, "etc", "sudoers.d"), { recursive: true });
      fs.mkdirSync(path.join(root, "sbin"), { recursive: true });
      const script = [
        'source "$1"; source "$2/layout.sh"',
        'R="$3"; visudo() { echo "visudo $*" >> "$R/visudo.log"; }',
        'deploy_sudoers="$R/etc/sudoers.d/compose-on-ec2"; cloud_init_sudoers="$R/etc/sudoers.d/90-cloud-init-users"; edge_service="$R/sbin/compose-on-ec2-edge"',
        body,
      ].join("\n");
      const r = spawnSync("bash", ["-c", script, "provision-test", PROVISION_SCRIPT,
        path.join(__dirname, "..", "..", "host", "release"), root], { encoding: "utf8" });
      return {
        status: r.status ?? 1,
        stderr: r.stderr,
        read: (file) => fs.readFileSync(path.join(root, file), "utf8"),
        done: () => fs.rmSync(root, { recursive: true, force: true }),
      };
    }

    it("lets the SSH user run as root exactly the edge service's start, stop and restart, as the ACME client's user exactly its service, and removes cloud-init's blanket rule", () => {
      const files = provisionFiles(
        'echo "ec2-user ALL=(ALL) NOPASSWD:ALL" > "$cloud_init_sudoers"; write_deploy_sudoers ec2-user /home/ec2-user/compose-on-ec2',
      );
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
        assert.deepStrictEqual(acmeCommands.split(", "),
          ["obtain", "renew-now"].map((verb) =>
            `/usr/local/sbin/compose-on-ec2-acme ${verb} /home/ec2-user/compose-on-ec2`
          ));
        assert.throws(() => files.read("etc/sudoers.d/90-cloud-init-users"), /ENOENT/,
          "cloud-init's NOPASSWD:ALL rule is gone");
        assert.match(files.read("visudo.log"), /^visudo -cf /, "checked by visudo before it is installed");
      } finally {
        files.done();
      }
    });

    it("writes an ACME service that runs only the serving release's lego.sh for the provisioned base directory, and only as the ACME client's user", () => {
      const files = provisionFiles(
        'acme_service="$R/sbin/compose-on-ec2-acme"; acme_user="$(id -un)"; write_acme_service /home/ec2-user/compose-on-ec2; '
          + 'for args in "obtain /home/ec2-user/compose-on-ec2" "renew-now /home/ec2-user/compose-on-ec2" "obtain /tmp" "run /home/ec2-user/compose-on-ec2" "obtain"; do out="$("$acme_service" $args 2>&1)" && rc=0 || rc=$?; echo "$args => $out [$rc]"; done > "$R/out"; '
          + 'acme_user=nobody-else; write_acme_service /home/ec2-user/compose-on-ec2; "$acme_service" obtain /home/ec2-user/compose-on-ec2 >> "$R/out" 2>&1 || echo "[$?]" >> "$R/out"',
      );
      try {
        assert.strictEqual(files.status, 0, files.stderr);
        const out = files.read("out").trim().split("\n");
        // The release does not exist here: exec names the path it would run.
        assert.match(out[0],
          /^obtain \/home\/ec2-user\/compose-on-ec2 => .*\/home\/ec2-user\/compose-on-ec2\/current\/\.compose-on-ec2\/lego\.sh.*\[(126|127)\]$/);
        assert.match(out[1],
          /^renew-now \/home\/ec2-user\/compose-on-ec2 => .*\/current\/\.compose-on-ec2\/lego\.sh.*\[(126|127)\]$/);
        for (const refused of out.slice(2, 5)) {
          assert.match(refused, / => usage: \S+compose-on-ec2-acme obtain\|renew-now <base dir> \[2\]$/, refused);
        }
        assert.match(out.slice(5).join("\n"), /runs as nobody-else only\n\[2\]$/);
      } finally {
        files.done();
      }
    });

    it("writes an edge service that only starts, stops or restarts the edge's unit for the provisioned base directory", () => {
      const files = provisionFiles(
        'write_edge_service /home/ec2-user/compose-on-ec2; PATH="$R/bin:$PATH"; mkdir -p "$R/bin"; printf "#!/bin/sh\\necho \\"systemctl \\$*\\"\\n" > "$R/bin/systemctl"; chmod +x "$R/bin/systemctl"; '
          + 'for args in "start /home/ec2-user/compose-on-ec2" "restart /home/ec2-user/compose-on-ec2" "start /tmp" "reload /home/ec2-user/compose-on-ec2" "start"; do out="$("$edge_service" $args 2>&1)" && rc=0 || rc=$?; echo "$args => $out [$rc]"; done > "$R/out"',
      );
      try {
        assert.strictEqual(files.status, 0, files.stderr);
        const out = files.read("out").trim().split("\n");
        assert.strictEqual(out[0],
          "start /home/ec2-user/compose-on-ec2 => systemctl start compose-on-ec2-edge.service [0]");
        assert.strictEqual(out[1],
          "restart /home/ec2-user/compose-on-ec2 => systemctl restart compose-on-ec2-edge.service [0]");
        assert.strictEqual(out.length, 5, out.join("\n"));
        for (const refused of out.slice(2)) {
          assert.match(refused,
            / => usage: \S+compose-on-ec2-edge start\|stop\|restart \/home\/ec2-user\/compose-on-ec2 \[2\]$/, refused);
        }
      } finally {
        files.done();
      }
    });

    it("runs the edge as its own user with cap_net_bind_service from its unit, never as the SSH user, and sets no file capability", () => {
      const text = fs.readFileSync(PROVISION_SCRIPT, "utf8");
      const units = /^write_edge_units\(\) \{[\s\S]*?^\}/m.exec(text)?.[0] ?? "";
      const edgeUnit = units.slice(0, units.indexOf("Description=compose-on-ec2 certificate renewal"));
      for (const line of ['"User=${edge_user}"', '"Group=${edge_group}"', '"AmbientCapabilities=CAP_NET_BIND_SERVICE"',
        '"CapabilityBoundingSet=CAP_NET_BIND_SERVICE"', '"NoNewPrivileges=yes"', '"Type=notify"',
        '"ExecStart=${command}"']) {
        assert.ok(edgeUnit.includes(line), `the edge's unit has ${line}`);
      }
      assert.ok(!edgeUnit.includes("User=${user}"), "not as the SSH user");
      assert.doesNotMatch(text.split("\n").filter((l) => !/^\s*#/.test(l)).join("\n"), /setcap/,
        "no file capability on the haproxy binary");
      assert.match(text, /^edge_user=compose-haproxy$/m);
      assert.match(/^create_edge_users\(\) \{[\s\S]*?^\}/m.exec(text)?.[0] ?? "",
        /useradd --system --gid "\$\{edge_group\}" --no-create-home --home-dir \/nonexistent --shell \/usr\/sbin\/nologin/);
    });

    it("is a syntactically valid bash script", () => {
      const r = spawnSync("bash", ["-n", PROVISION_SCRIPT], { encoding: "utf8" });
      assert.strictEqual(r.status, 0, r.stderr);
    });
    /** bash with provision.sh sourced, `curl -o FILE URL` answering with BODY (URLs logged to $CURL_LOG), then `body`. */
    function provisionStep(body: string,
      env: Record<string, string> = {}
    ): { status: number; stdout: string; stderr: string; urls: string[]; dir: string } {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "provision-step-"));
      const script = [
        'source "$1"',
        'curl() { local out=""; while (( $# )); do case "$1" in -o) out="$2"; shift 2 ;; --retry) shift 2 ;; -*) shift ;; *) echo "$1" >> "$CURL_LOG"; shift ;; esac; done; printf "%s" "$BODY" > "$out"; }',
        body,
      ].join("\n");
      const r = spawnSync("bash", ["-c", script, "provision-test", PROVISION_SCRIPT], {
        encoding: "utf8",
        env: { ...process.env, CURL_LOG: path.join(dir, "urls"), BODY: "a compose binary", ...env },
        cwd: dir,
      });
      const urls = fs.existsSync(path.join(dir, "urls"))
        ? fs.readFileSync(path.join(dir, "urls"), "utf8").trim().split("\n")
        : [];
      return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr, urls, dir };
    }
    const sha256 = (text: string): string => crypto.createHash("sha256").update(text).digest("hex");
    const pinned = (name: string): string =>
      new RegExp(`^${name}=(\\S+)$`, "m").exec(fs.readFileSync(PROVISION_SCRIPT, "utf8"))?.[1] ?? "";

    it("pins the compose plugin's sha256 for both architectures in the script itself, never fetching a sum from the release", () => {
      const text = fs.readFileSync(PROVISION_SCRIPT, "utf8");
      assert.match(pinned("compose_version"), /^v2\.\d+\.\d+$/);
      for (const arch of ["x86_64", "arm64"]) {
        assert.match(pinned(`compose_sha256_${arch}`), /^[0-9a-f]{64}$/, `compose ${arch}`);
      }
      // The one exception: lego on arm64 until its sum is pinned (checked against its release's checksums file).
      const lines = text.split("\n").filter((l) => /checksums\.txt"|\.sha256"|sha256sum -c -\)/.test(l));
      assert.ok(lines.every((l) => l.includes("lego_${lego_version}_checksums.txt")),
        `only lego's unpinned arm64 sum is fetched: ${lines.join(" | ")}`);
      assert.doesNotMatch(text, /docker-compose-plugin/, "Ubuntu does not take compose from Docker's apt repository");
    });

    it("installs the same pinned compose plugin on AL2023 and Ubuntu", () => {
      const main = /^main\(\) \{[\s\S]*?^\}/m.exec(fs.readFileSync(PROVISION_SCRIPT, "utf8"))?.[0] ?? "";
      assert.match(main, /esac\n\s+install_compose_plugin\n/,
        "after either OS's docker install, outside the per-OS case");
      assert.match(main, /docker compose version --short\)" == "\$\{compose_version#v\}"/,
        "and checks docker runs that version");
    });

    for (const arch of ["x86_64", "arm64"]) {
      it(`installs the ${arch} compose plugin only when it matches the pinned sha256`, () => {
        const binary = arch === "arm64" ? "aarch64" : "x86_64";
        const good = provisionStep(
          `arch=${arch}; compose_plugin_dir="$PWD/plugins"; compose_sha256_${arch}=${
            sha256("a compose binary")
          }; install_compose_plugin; stat -c %a plugins/docker-compose`,
        );
        assert.strictEqual(good.status, 0, good.stderr);
        assert.deepStrictEqual(good.urls, [
          `https://github.com/docker/compose/releases/download/${
            pinned("compose_version")
          }/docker-compose-linux-${binary}`,
        ]);
        assert.strictEqual(good.stdout.trim(), "755");
        const bad = provisionStep(`arch=${arch}; compose_plugin_dir="$PWD/plugins"; install_compose_plugin`, {
          BODY: "a tampered binary",
        });
        assert.notStrictEqual(bad.status, 0);
        assert.match(bad.stderr, /does not match its pinned sha256 [0-9a-f]{64}: not installed/);
        assert.ok(
          !fs.existsSync(path.join(bad.dir, "plugins", "docker-compose"))
            && !fs.existsSync(path.join(bad.dir, "plugins", "docker-compose.part")),
          "nothing left behind",
        );
        fs.rmSync(good.dir, { recursive: true, force: true });
        fs.rmSync(bad.dir, { recursive: true, force: true });
      });
    }

    it("refuses to provision anything while compose's sha256 is not pinned, naming the setting", () => {
      const r = provisionStep(`arch=x86_64; compose_sha256_x86_64=; check_pins; echo passed`);
      assert.notStrictEqual(r.status, 0);
      assert.match(r.stderr,
        /no sha256 pinned for compose on x86_64 \(compose_sha256_x86_64= in host\/cloud-init\/provision\.sh\)/);
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
      const r = provisionStep(
        `arch=arm64; lego_sha256_arm64=${
          sha256("a compose binary")
        }; fetch_verified "https://example.invalid/lego.tar.gz" "$PWD/lego.tar.gz" "$(pinned_sha256 lego)" && echo kept`,
      );
      assert.strictEqual(r.stdout.trim(), "kept", r.stderr);
      assert.deepStrictEqual(r.urls, ["https://example.invalid/lego.tar.gz"]);
      fs.rmSync(r.dir, { recursive: true, force: true });
    });

    it("routes only the stack's ECR registry through the credential helper (credHelpers, no credsStore)", () => {
      const home = fs.mkdtempSync(path.join(os.tmpdir(), "provision-home-"));
      try {
        const r = spawnSync("bash", ["-c", 'source "$1"; write_docker_config "$2" "$3"', "provision-test",
          PROVISION_SCRIPT, home, REGISTRY], { encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stderr);
        const config = JSON.parse(fs.readFileSync(path.join(home, ".docker", "config.json"), "utf8"));
        assert.deepStrictEqual(config, { credHelpers: { [REGISTRY]: "ecr-login" } });
      } finally {
        fs.rmSync(home, { recursive: true, force: true });
      }
    });
  });
});
