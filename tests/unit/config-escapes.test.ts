// components/config judges every compose service for escape hatches (components/compose/escapes.ts):
// prod refuses each one composeAllowEscapes does not list, with the file, line and edit; other stages
// keep it and warn in the plan. Compose files are written inline in the real compose format.
import * as assert from "assert";
import { parseConfig, StackConfig } from "../../components/config";
import { problemsOfParse } from "./configProblems";

const DIR = "esc";
const FILE = `${DIR}/docker-compose.prod.yml`;
/** A file with web and nginx as the switch wants them, and `worker` as given (indented under services:). */
const composeWith = (worker: string) =>
  [
    "services:",
    "  web:",
    "    build: .",
    "    command: gunicorn app.wsgi --bind=:8000",
    "  nginx:",
    "    image: nginx:1.25",
    '    ports: ["${HTTP_PORT:-80}:80"]',
    "  worker:",
    "    build: .",
    ...worker.split("\n").map((l) => `    ${l}`),
    "",
  ].join("\n");
const parse = (stack: string, compose: string, raw: Record<string, unknown> = {}): StackConfig =>
  parseConfig({ appDir: DIR, ...raw }, { project: "compose-on-ec2", stack, region: "us-east-1",
    fileExists: (p) => [DIR, FILE, `${DIR}/app.ini`].includes(p), isDirectory: (p) => p === DIR,
    readFile: () => compose });
const allowFix = (token: string) =>
  `; or, if worker truly needs it, list "${token}" in \`compose-on-ec2:composeAllowEscapes\`.`;

/** One refused hatch: the worker's lines, the line refused, the token that allows it, the start of the message. */
interface Hatch {
  worker: string;
  line: number;
  token: string;
  says: string;
}
/** A hatch written on the worker's line 10 (`key: value`), allowed by the token `worker:<tokenTail>`. */
const onLine10 = (key: string, value: string, tokenTail: string, says: string): Hatch => ({
  worker: `${key}: ${value}`,
  line: 10,
  token: `worker:${tokenTail}`,
  says,
});
/** The worker given cap_add: [capability], spelled as written, granting `grants`. */
const capAdded = (written: string, grants: string, says = `grants ${grants}`): Hatch =>
  onLine10("cap_add", `[${written}]`, `cap_add:${grants}`, `\`cap_add: ${written}\` ${says}`);

/** One refused hatch each. */
const REFUSED: Record<string, Hatch> = {
  "host networking (the container reaches IMDS and so the instance role)": onLine10("network_mode", "host",
    "network_mode:host",
    "`network_mode: host` shares the host's network stack, from which the container reaches the instance metadata service"),
  "a privileged container": onLine10("privileged", "true", "privileged",
    "`privileged: true` gives the container every capability and every host device"),
  "the host's process namespace": onLine10("pid", "host", "pid:host",
    "`pid: host` shares the host's process namespace"),
  "the host's IPC namespace": onLine10("ipc", "host", "ipc:host", "`ipc: host` shares the host's IPC namespace"),
  "the Docker socket mounted": {
    worker: "volumes:\n  - ./app.ini:/etc/app.ini:ro\n  - /var/run/docker.sock:/var/run/docker.sock",
    line: 12,
    token: "worker:volume:/var/run/docker.sock",
    says: "mounts the Docker socket (`/var/run/docker.sock:/var/run/docker.sock`)",
  },
  "a host path outside the release (long syntax)": {
    worker: "volumes:\n  - type: bind\n    source: /etc/ssl/private\n    target: /certs",
    line: 11,
    token: "worker:volume:/etc/ssl/private",
    says: "mounts host path /etc/ssl/private",
  },
  "a host path from the home directory": onLine10("volumes", '["~/data:/data"]', "volume:~/data",
    "mounts host path ~/data"),
  "SYS_ADMIN": { worker: "cap_add:\n  - CHOWN\n  - SYS_ADMIN", line: 12, token: "worker:cap_add:SYS_ADMIN",
    says: "`cap_add: SYS_ADMIN` grants SYS_ADMIN" },
  "NET_ADMIN written with CAP_ and in lower case": capAdded("cap_net_admin", "NET_ADMIN"),
  "SYS_PTRACE": capAdded("SYS_PTRACE", "SYS_PTRACE"),
  "SYS_MODULE": capAdded("SYS_MODULE", "SYS_MODULE"),
  "DAC_READ_SEARCH": capAdded("DAC_READ_SEARCH", "DAC_READ_SEARCH"),
  "every capability": capAdded("ALL", "ALL", "grants every capability: root on the host"),
};

describe("config judges every compose service for escape hatches", () => {
  for (const [name, c] of Object.entries(REFUSED)) {
    it(`prod refuses ${name} in a service other than web and the proxy, with the line, the edit and the token that allows it`, () => {
      const problems = problemsOfParse(() => parse("prod", composeWith(c.worker)), name);
      assert.strictEqual(problems.length, 1, problems.join("\n"));
      assert.ok(problems[0].startsWith(`${FILE}:${c.line}: service "worker": ${c.says}`), problems[0]);
      assert.ok(/; prod refuses it\. Fix: (delete|remove) /.test(problems[0]), problems[0]);
      assert.ok(problems[0].endsWith(allowFix(c.token)), problems[0]);
    });

    it(`prod deploys ${name} once composeAllowEscapes lists "${c.token}", and says so in the plan`, () => {
      const app = parse("prod", composeWith(c.worker), { composeAllowEscapes: [c.token] }).app;
      assert.ok(
        app.composeFindings.some((l) =>
          l.startsWith(
            `note: worker keeps an escape hatch on purpose (line ${c.line}, "${c.token}" in composeAllowEscapes)`,
          )
        ),
        app.composeFindings.join("\n"),
      );
    });

    it(`dev keeps ${name} and warns that prod refuses it`, () => {
      const app = parse("dev", composeWith(c.worker)).app;
      assert.ok(
        app.composeFindings.some((l) =>
          l.startsWith(`note: warning: ${FILE}:${c.line}: service "worker": ${c.says}`)
          && l.endsWith(`prod refuses it unless \`compose-on-ec2:composeAllowEscapes\` lists "${c.token}"`)
        ),
        app.composeFindings.join("\n"),
      );
    });
  }

  it("judges web and the proxy too: a privileged web and the proxy holding the Docker socket are refused in prod", () => {
    const compose = composeWith("image: busybox").replace("    build: .\n    command:",
      "    build: .\n    privileged: true\n    command:").replace('    ports: ["${HTTP_PORT:-80}:80"]',
        '    ports: ["${HTTP_PORT:-80}:80"]\n    volumes: ["/run/docker.sock:/tmp/docker.sock:ro"]');
    const problems = problemsOfParse(() => parse("prod", compose), "web and proxy hatches");
    assert.deepStrictEqual(problems.map((p) => p.split(": ").slice(0, 2).join(": ")), [`${FILE}:4: service "web"`,
      `${FILE}:9: service "nginx"`]);
  });

  it("leaves capabilities that stay inside the container alone, and paths inside the release", () => {
    const app = parse("prod",
      composeWith(
        'cap_add: [NET_BIND_SERVICE, CHOWN]\nvolumes: ["./app.ini:/etc/app.ini:ro", "media:/media"]\nnetwork_mode: bridge',
      )).app;
    assert.ok(!app.composeFindings.some((l) => /escape|warning/.test(l)), app.composeFindings.join("\n"));
  });

  it("reads a hatch written through a variable: `network_mode: ${NET_MODE:-host}`", () => {
    const problems = problemsOfParse(() => parse("prod", composeWith("network_mode: ${NET_MODE:-host}")),
      "interpolated host networking");
    assert.ok(problems[0].startsWith(`${FILE}:10: service "worker": \`network_mode: host\``), problems[0]);
  });

  it("refuses an allowance that is malformed or names no hatch of the file, so the list allows only what it says", () => {
    const problems = problemsOfParse(
      () =>
        parse("dev", composeWith("privileged: true"), {
          composeAllowEscapes: ["worker:privileged", "worker:pid:host", "worker privileged"],
        }),
      "stale allowance",
    );
    assert.deepStrictEqual(problems, [
      `compose-on-ec2:composeAllowEscapes = "worker:pid:host": names no escape hatch of ${FILE} (it has "worker:privileged"). Fix: remove it, so the list allows only what the file does`,
      'compose-on-ec2:composeAllowEscapes = "worker privileged": is not `<service>:<hatch>` (hatch: privileged, network_mode:host, pid:host, ipc:host, cap_add:<CAPABILITY>, volume:<host path>). Fix: copy the token the refusal names, e.g. "worker:privileged"',
    ]);
  });

  it("leaves hatches to the ECS translation when hosting is ecs (components/compose/ecs.ts refuses each for Fargate)", () => {
    // The worker is built from web's build: on ecs its own Fargate service, whose translation refuses the hatch.
    const problems = problemsOfParse(
      () => parse("prod", composeWith("privileged: true"), { hosting: "ecs", cache: "redis" }),
      "privileged worker on ecs",
    );
    assert.deepStrictEqual(problems.map((p) => p.replace(/^[^:]+:\d+: /, "")), [
      'service "worker": `privileged: true`: Fargate does not run privileged containers. Fix: delete line 10 and grant only what the app needs.',
    ]);
    assert.ok(!problems.some((p) => p.includes("composeAllowEscapes")), "not the ec2 host's escape-hatch rule");
  });
});
