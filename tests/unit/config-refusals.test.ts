// components/config: classes of bad input refused before any resource exists, each with its fix.
import * as assert from "assert";
import { amiArchitectureProblem, ConfigError, parseConfig, ParseContext, StackConfig } from "../../components/config";
import { deploymentEnv, renderEnvFile } from "../../components/deployment";
import { problemsOfParse } from "./configProblems";

const COMPOSE = 'services:\n  web:\n    build: .\n  nginx:\n    build: ./nginx\n    ports: ["${HTTP_PORT:-80}:80"]\n';
const PROD_SSH = { sshCidrs: ["203.0.113.0/24"] };
const PRIV = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";

function ctx(stack: string, compose = COMPOSE): ParseContext {
  return { project: "compose-on-ec2", stack, region: "us-east-1", fileExists: () => true, readFile: () => compose };
}
const parse = (raw: Record<string, unknown>, stack = "dev", compose = COMPOSE): StackConfig =>
  parseConfig(raw, ctx(stack, compose));

/** The problems of a refused config; fails when it is accepted. */
function problemsOf(raw: Record<string, unknown>, stack = "dev", compose = COMPOSE): string[] {
  return problemsOfParse(() => parse(raw, stack, compose), `${JSON.stringify(raw)} (stack ${stack})`);
}

/** Asserts one problem names the key, holds the text and a fix. */
function refuses(raw: Record<string, unknown>, key: string, text: string, stack = "dev", compose = COMPOSE): string {
  const problems = problemsOf(raw, stack, compose);
  const match = problems.find((p) => p.includes(key) && p.includes(text));
  assert.ok(match, `no problem mentions ${key} and ${JSON.stringify(text)}:\n${problems.join("\n")}`);
  assert.match(match, /Fix: \S/);
  return match;
}

describe("config refuses what the .env renderer would refuse later", () => {
  const values = ["plain", "it's", "C:\\path", "${HOME}", "two\nlines", "nul\0", "a=b;c", "ünïcode", ""];
  for (const value of values) {
    it(`judges the value ${JSON.stringify(value)} exactly as renderEnvFile does`, () => {
      const env = { EXTRA: value };
      let renderer = true;
      try {
        renderEnvFile(
          deploymentEnv({ appEnv: env, databaseUrl: "postgres://u:p@h:5432/app", secretKey: "k", releaseId: "r",
            allowedHosts: ["h"] }),
        );
      } catch {
        renderer = false;
      }
      let config = true;
      try {
        parse({ appEnv: JSON.stringify(env) });
      } catch (e) {
        assert.ok(e instanceof ConfigError);
        assert.ok(e.problems.every((p) => !p.includes(value) || value === "" || value === "plain"),
          "the value is never quoted");
        config = false;
      }
      assert.strictEqual(config, renderer);
    });
  }
  for (const name of ["DATABASE_URL", "ALLOWED_HOSTS", "RELEASE_ID", "SECRET_KEY", "DJANGO_SECRET_KEY", "HTTP_PORT",
    "COMPOSE_PROJECT_NAME"]) {
    it(`refuses appEnv ${name}, which the deployment sets itself`, () => {
      refuses({ appEnv: { [name]: "x" } }, "appEnv", name);
    });
  }
  it("refuses the pushed image's variables in registry mode only", () => {
    refuses({ deployMode: "registry", appEnv: { WEB_IMAGE: "x" } }, "appEnv", "WEB_IMAGE");
    refuses({ deployMode: "registry", appEnv: { WEB_IMAGE_REF: "x" } }, "appEnv", "WEB_IMAGE_REF");
    assert.deepStrictEqual(parse({ appEnv: { WEB_IMAGE: "x" } }).app.env, { WEB_IMAGE: "x" });
  });
});

describe("config refuses debug mode in prod", () => {
  for (const [name, value] of [["DJANGO_DEBUG", "1"], ["DJANGO_DEBUG", "True"], ["DEBUG", "yes"], ["APP_DEBUG", "on"], [
    "FLASK_ENV",
    "development",
  ]]) {
    it(`refuses ${name}=${value} in prod`, () => {
      refuses({ ...PROD_SSH, appEnv: { [name]: value } }, "appEnv", name, "prod");
    });
  }
  it("accepts debug switched off in prod, and debug on in dev", () => {
    assert.doesNotThrow(() =>
      parse({ ...PROD_SSH, appEnv: { DJANGO_DEBUG: "0", DEBUG: "false", LOG_DEBUG_SQL: "x" } }, "prod")
    );
    assert.doesNotThrow(() => parse({ appEnv: { DJANGO_DEBUG: "1" } }));
  });
});

describe("config refuses tags AWS would refuse", () => {
  it("refuses keys and values outside AWS's characters and lengths, and the aws: prefix", () => {
    refuses({ tags: { "team#1": "web" } }, "tags", "characters AWS tags cannot hold");
    refuses({ tags: { team: "web;rm" } }, "tags", "characters AWS tags cannot hold");
    refuses({ tags: { ["k".repeat(129)]: "v" } }, "tags", "1-128");
    refuses({ tags: { team: "v".repeat(257) } }, "tags", "up to 256");
    refuses({ tags: { "aws:team": "web" } }, "tags", "AWS reserves");
    assert.doesNotThrow(() => parse({ tags: { "cost-center": "web + api: 2026/Q4 @eu_1=ok" } }));
  });
  it("counts the stack's own tags against the 50 per resource", () => {
    const extra = (n: number) => ({ tags: Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, "v"])) });
    assert.doesNotThrow(() => parse(extra(45)));
    refuses(extra(46), "tags", "above AWS's 50 per resource");
    // A sandbox records owner and expiry as two more tags of its own.
    refuses({ ...extra(44), sandboxOwner: "octocat", sandboxExpiresAt: "2026-12-01T18:00:00Z" }, "tags", "at most 43",
      "pr-7");
  });
  it("refuses control characters in free-text settings such as the sandbox owner", () => {
    for (const owner of ["octo\tcat", "octo\ncat", "octo\u001b[31mcat"]) {
      refuses({ sandboxOwner: owner }, "sandboxOwner", "control character", "pr-7");
    }
    assert.strictEqual(parse({ sandboxOwner: "octocat\n" }, "pr-7").tags.owner, "octocat",
      "a pasted trailing newline is only trimmed");
  });
});

describe("config refuses database settings RDS would refuse", () => {
  it("accepts majors only, with the major as the fix for a pinned minor", () => {
    assert.match(refuses({ dbEngineVersion: "16.4" }, "dbEngineVersion", "minor"), /dbEngineVersion 16\b/);
    assert.match(refuses({ dbEngine: "mysql", dbEngineVersion: "8.0.39" }, "dbEngineVersion", "minor"),
      /dbEngineVersion 8\.0\b/);
    refuses({ dbEngineVersion: "12" }, "dbEngineVersion", "major version RDS offers");
    assert.strictEqual(parse({ dbEngine: "mariadb", dbEngineVersion: "11.8" }).database.engineVersion, "11.8");
  });
  it("refuses usernames and database names the engine reserves", () => {
    for (const username of ["pg_monitor", "rds_admin", "select", "User"]) {
      refuses({ dbUsername: username }, "dbUsername", "reserved by postgres");
    }
    for (const dbName of ["template1", "postgres", "select", "user"]) {
      refuses({ dbName }, "dbName", "reserved by postgres");
    }
    refuses({ dbEngine: "mysql", dbName: "table" }, "dbName", "reserved by mysql");
    refuses({ dbEngine: "mariadb", dbUsername: "mariadb_sys" }, "dbUsername", "reserved by mariadb");
  });
  it("keeps prod's derived storage ceiling within RDS's 65536 GiB", () => {
    assert.strictEqual(parse({ ...PROD_SSH, dbAllocatedStorageGb: 40000 }, "prod").database.maxAllocatedStorageGb,
      65536);
    assert.strictEqual(parse({ ...PROD_SSH, dbAllocatedStorageGb: 65536 }, "prod").database.maxAllocatedStorageGb,
      undefined);
    refuses({ dbMaxAllocatedStorageGb: 70000 }, "dbMaxAllocatedStorageGb", "21..65536");
  });
  it("names a pinned AMI whose architecture does not match the instance type", () => {
    assert.match(amiArchitectureProblem("ami-0123456789abcdef0", "x86_64", "t4g.small", "arm64") ?? "",
      /built for x86_64.*t4g\.small is arm64.*Fix:/);
    assert.strictEqual(amiArchitectureProblem("ami-0123456789abcdef0", "arm64", "t4g.small", "arm64"), undefined);
  });
});

describe("config refuses CIDRs AWS would refuse", () => {
  it("refuses the same network listed twice, however it is spelled", () => {
    refuses({ sshCidrs: ["10.0.0.0/24", "10.0.0.0/24"] }, "sshCidrs", "listed twice");
    refuses({ httpCidrs: ["2001:db8::/32", "2001:DB8:0::/32"] }, "httpCidrs", "same network as 2001:db8::/32");
    refuses({ httpCidrs: ["::/0", "0:0::/0"] }, "httpCidrs", "same network");
    refuses({ sshCidrs: ["10.0.0.1/24", "10.0.0.0/24"] }, "10.0.0.1/24",
      "it means 10.0.0.0/24, which is already listed");
    assert.doesNotThrow(() => parse({ httpCidrs: ["10.0.0.0/24", "10.0.0.0/25"], sshCidrs: ["10.0.0.0/24"] }));
  });
  it("refuses more rules than a security group's 60 per address family", () => {
    const v4 = (n: number, third = 0) => Array.from({ length: n }, (_, i) => `10.${third}.${i}.0/24`);
    assert.doesNotThrow(() => parse({ httpCidrs: v4(30), sshCidrs: ["2001:db8::/32"] }));
    refuses({ httpCidrs: v4(31) }, "IPv4", "quota of 60");
    refuses({ httpCidrs: v4(20), sshCidrs: v4(21, 1) }, "IPv4", "61 inbound rules");
  });
});

describe("config refuses an app the host could not deploy", () => {
  it("refuses a compose file that is not a compose file", () => {
    refuses({}, "composeFile", "not valid YAML", "dev", "services: [\n");
    refuses({}, "composeFile", "not a compose file", "dev", "FROM python:3.12\nCOPY . .\n");
    refuses({}, "composeFile", "`services:` lists no service", "dev", "services: {}\n");
  });
  it("refuses a webService the compose file does not define, naming those it does", () => {
    refuses({ webService: "app" }, "webService", "it defines web, nginx");
  });
  it("refuses a health path curl would glob or that holds control characters", () => {
    for (const healthPath of ["/health[1]", "/h{a,b}", "/h\0", "/h\tx"]) refuses({ healthPath }, "healthPath", "Fix");
  });
});

describe("config refuses stack names that would take another stack's names", () => {
  for (const stack of ["Prod", "prod_", "dev_", "dev.", "PR-42", "pr_42"]) {
    it(`refuses the stack name ${JSON.stringify(stack)}`, () => {
      const problems = problemsOf(stack.startsWith("Prod") || stack.startsWith("prod") ? PROD_SSH : {}, stack);
      assert.ok(problems.some((p) => p.includes(`stack name "${stack}"`) && /Fix: \S/.test(p)), problems.join("\n"));
    });
  }
  it("gives the stages dev and prod only to the stacks named so", () => {
    refuses({ stage: "prod", ...PROD_SSH }, "stage", "only the stack named prod is prod", "staging");
    refuses({ stage: "dev" }, "stage", "does not match", "prod");
    assert.strictEqual(parse({}, "pr-42").stage, "sandbox");
  });
});

describe("config never prints what a mistyped key holds", () => {
  it("names an unknown key without its value", () => {
    const problems = problemsOf({ sshPrivatKey: PRIV });
    assert.ok(problems.some((p) => p.includes("sshPrivatKey") && p.includes('did you mean "sshPrivateKey"')));
    assert.ok(problems.every((p) => !p.includes("b3BlbnNzaC1rZXktdjEAAAAA") && !p.includes("BEGIN")),
      problems.join("\n"));
  });
});

describe("config: iamPermissionsBoundary", () => {
  it("accepts a customer or AWS managed policy's ARN and hands it on", () => {
    assert.strictEqual(
      parse({ iamPermissionsBoundary: "arn:aws:iam::123456789012:policy/boundaries/compose-on-ec2" })
        .iamPermissionsBoundary,
      "arn:aws:iam::123456789012:policy/boundaries/compose-on-ec2",
    );
    assert.strictEqual(parse({}).iamPermissionsBoundary, undefined);
  });
  it("refuses anything else (a role's ARN, a bare name), naming the setting and the fix", () => {
    for (const bad of ["arn:aws:iam::123456789012:role/boundary", "compose-on-ec2-boundary"]) {
      assert.match(
        refuses({ iamPermissionsBoundary: bad }, "iamPermissionsBoundary", "is not the ARN of an IAM managed policy"),
        new RegExp(bad.replace(/[/.]/g, "\\$&")),
      );
    }
  });
});
