// What a bundle refuses to carry: secrets by name or by content, unless an ignore file leaves them
// out or allowFiles names them.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { buildContext, createBundle } from "../../components/bundle";
import { secretContentReason, secretPathReason } from "../../components/bundleRules";
import { APP, EXEC, scratchDirs } from "../support/bundle";

describe("bundle", () => {
  const { tree, outDir, bundleOf } = scratchDirs();

  describe("files that must never ship", () => {
    const OPENSSH_KEY =
      "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
    const refusal = (files: Record<string, string>, opts: { allowFiles?: string[] } = {}): string => {
      const src = tree({ ...APP, ...files }, EXEC);
      try {
        createBundle({ appDir: src, outDir: outDir(), ...opts });
      } catch (err) {
        return (err as Error).message;
      }
      return "";
    };

    it("refuses .env files at any depth, naming each file and both fixes, but ships .env templates", () => {
      const message = refusal({ "config/.env": "DB=x", "deploy/prod/.env.production": "K=v", ".env.example": "DB=",
        "config/.env.sample": "" });
      assert.match(message, /config\/\.env: an environment file/);
      assert.match(message, /deploy\/prod\/\.env\.production: an environment file/);
      assert.doesNotMatch(message, /\.env\.example|\.env\.sample/);
      assert.match(message, /\.deployignore/);
      assert.match(message, /appAllowFiles/);
      assert.doesNotMatch(message, /DB=x|K=v/, "never prints a file's content");
    });

    it("refuses private keys by content whatever their name, SSH keys and key stores by name", () => {
      const message = refusal({
        "notes.txt": `see below\n${OPENSSH_KEY}`,
        "keys/id_ed25519": "anything",
        "certs/server.pem": "-----BEGIN CERTIFICATE-----\n",
        "hello/tls.key": "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n",
      });
      assert.match(message, /notes\.txt: a private key \(holds a "-----BEGIN OPENSSH PRIVATE KEY-----" block\)/);
      assert.match(message, /keys\/id_ed25519: an SSH private key/);
      assert.match(message, /certs\/server\.pem: a PEM file/);
      assert.match(message, /hello\/tls\.key: a private key/);
      assert.doesNotMatch(message, /b3BlbnNzaC1rZXktdjEAAAAA|MIIE/, "never prints key material");
    });

    it("refuses credential files and directories and nested git directories", () => {
      const message = refusal({ ".aws/credentials": "x", "tools/.ssh/config": "x", "web/.npmrc": "//r/:_authToken=x",
        "vendor/lib/.git/config": "x" });
      for (const where of [".aws", "tools/.ssh", "web/.npmrc", "vendor/lib/.git"]) {
        assert.ok(message.includes(`${where}: `), `${where} not named in:\n${message}`);
      }
      assert.doesNotMatch(message, /\.aws\/credentials|\.git\/config/,
        "a refused directory is named once, not file by file");
    });

    it("keeps refused files out silently when an ignore file lists them", () => {
      const b = bundleOf({ ...APP, "config/.env": "x", ".deployignore": "**/.env\n" });
      assert.ok(!b.files.includes("config/.env"));
    });

    it("ships a refused file when allowFiles names it or a pattern for it, and only that file", () => {
      const files = { "certs/ca.pem": "-----BEGIN CERTIFICATE-----\n", "certs/other.pem": "x" };
      assert.match(refusal(files, { allowFiles: ["certs/ca.pem"] }), /certs\/other\.pem/);
      const b = createBundle({ appDir: tree({ ...APP, ...files }, EXEC), outDir: outDir(),
        allowFiles: ["certs/*.pem"] });
      assert.ok(b.files.includes("certs/ca.pem") && b.files.includes("certs/other.pem"));
    });

    it("judges names with pure rules: templates ship, look-alikes ship, keys never", () => {
      assert.strictEqual(secretPathReason(".env.example", false), undefined);
      assert.strictEqual(secretPathReason("environment.py", false), undefined);
      assert.strictEqual(secretPathReason("id_ed25519.pub", false), undefined);
      assert.strictEqual(secretPathReason("a/.github/workflows/x.yml", false), undefined);
      assert.ok(secretPathReason("a/.git", true));
      assert.ok(secretPathReason(".git", false), "a worktree's .git file");
      assert.ok(secretPathReason("tools/.envrc", false));
      assert.strictEqual(secretContentReason(Buffer.from("-----BEGIN PUBLIC KEY-----\n")), undefined);
      assert.ok(secretContentReason(Buffer.from("-----BEGIN ENCRYPTED PRIVATE KEY-----\n")));
      assert.ok(secretContentReason(Buffer.from("PuTTY-User-Key-File-3: ssh-ed25519\n")));
    });
  });

  describe("every never-ship class, in any case, and keys anywhere in a file", () => {
    const PROBE: Record<string, string> = {
      "prod.env": "A=1",
      ".env-prod": "A=1",
      ".env_prod": "A=1",
      "config/.ENV.PROD": "A=1",
      "env.production": "A=1",
      ".docker/config.json": "{}",
      ".kube/config": "x",
      ".pgpass": "x",
      ".my.cnf": "x",
      "infra/terraform.tfstate": "{}",
      "infra/terraform.tfstate.backup": "{}",
      "infra/prod.tfvars": "x",
      ".terraform/x": "x",
      "certs/SERVER.PEM": "x",
      "keys/store.JKS": "x",
      "keys/app.keystore": "x",
      "keys/server.key": "x",
      "keys/putty.PPK": "x",
      ".config/gcloud/credentials.db": "x",
      "notes/bundle.crt": "x".repeat(70 * 1024)
        + "\n-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n",
    };
    it("refuses a probe app holding each class, naming every file", () => {
      let message = "";
      try {
        bundleOf({ ...APP, ...PROBE });
      } catch (err) {
        message = (err as Error).message;
      }
      for (const file of Object.keys(PROBE)) {
        const shown = file.startsWith(".docker/") || file.startsWith(".kube/") || file.startsWith(".terraform/")
            || file.startsWith(".config/gcloud/")
          ? file.split("/").slice(0, -1).join("/")
          : file;
        assert.ok(message.includes(shown), `${file} not refused:\n${message}`);
      }
      assert.match(message, /notes\/bundle\.crt: a private key/, "a key after the first 64 KiB is found");
    });
    it("ships templates and look-alikes of the new names", () => {
      for (const name of ["env.example", "example.env", ".env-template", ".env.dist", "env.py", "environment.ts",
        "keyboard.json", "docs/kube.md", "monkey.jsx"]) {
        assert.strictEqual(secretPathReason(name, false), undefined, name);
      }
    });
    it("finds a key whose marker straddles two reads", () => {
      const file = tree({ ...APP,
        "big.txt": "y".repeat(64 * 1024 - 10) + "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n" }, EXEC);
      assert.throws(() => createBundle({ appDir: file, outDir: outDir() }), /big\.txt: a private key/);
    });
  });

  describe("images are built from the bundle's files", () => {
    it("the build context holds what the host gets: no file .deployignore leaves out, no host scripts", () => {
      const src = tree({ ...APP, ".deployignore": ".env\n", ".env": "STRIPE_SECRET_KEY=x\n" }, EXEC);
      const scripts = tree({ "deploy.sh": "#!/bin/sh\n" }, EXEC);
      const bundle = createBundle({ appDir: src, outDir: outDir(),
        extraDirs: [{ dir: scripts, prefix: ".compose-on-ec2/" }] });
      const context = buildContext(bundle);
      const files: string[] = [];
      const walk = (dir: string, rel = ""): void => {
        for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
          if (d.isDirectory()) walk(path.join(dir, d.name), `${rel}${d.name}/`);
          else files.push(`${rel}${d.name}`);
        }
      };
      walk(context);
      assert.ok(fs.existsSync(path.join(src, ".env")), "the app directory holds the .env");
      assert.deepStrictEqual(files.sort(), bundle.files.filter((f) => !f.startsWith(".compose-on-ec2/")).sort());
      assert.ok(!files.includes(".env"));
      assert.strictEqual(buildContext(bundle), context, "reused for the same release");
    });
  });
});
