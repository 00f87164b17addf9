// components/config judges the compose file before any resource exists: each shape that would break
// the gapless switch on the host is refused with the file, the service, the line and the exact edit;
// what the file reveals (proxy, web port, env file, health source) reaches the app settings.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseConfig, StackConfig } from "../../components/config";
import { parseCompose } from "../../components/compose";
import { analyseDbCaMounts } from "../../components/compose/mounts";
import { problemsOfParse } from "./configProblems";

const ROOT = path.join(__dirname, "..", "..");
const FIXTURES = "tests/fixtures/compose";
const files = { fileExists: (p: string) => fs.existsSync(path.join(ROOT, p)),
  readFile: (p: string) => fs.readFileSync(path.join(ROOT, p), "utf8") };
const parse = (raw: Record<string, unknown>): StackConfig =>
  parseConfig(raw, { project: "compose-on-ec2", stack: "dev", region: "us-east-1", ...files });
const fixture = (composeFile: string, more: Record<string, unknown> = {}) => ({ appDir: FIXTURES, composeFile,
  ...more });

const REFUSED: Record<string, { raw: Record<string, unknown>; problems: string[] }> = {
  "a fixed container_name on web (the rsync pipeline's file as-is)": {
    raw: fixture("rsync-as-is.yml"),
    problems: [
      'tests/fixtures/compose/rsync-as-is.yml:9: service "web": `container_name: web` fixes the container\'s name, so the second web container a switch starts cannot be created. Fix: delete line 9 `container_name: web`.',
      'tests/fixtures/compose/rsync-as-is.yml:26: service "nginx": publishes host port 80 (`80:80`): the stack\'s edge owns ports 80 and 443 (it terminates HTTPS and keeps connections open across deploys) and reaches the proxy on a loopback port. Fix: write line 26 as `- "${HTTP_PORT:-80}:80"` (the deploy sets HTTP_PORT to that loopback address).',
    ],
  },
  "the example app users bring, as it is": {
    raw: { appDir: "app-byo" },
    problems: [
      'app-byo/docker-compose.prod.yml:8: service "web": `container_name: web` fixes the container\'s name, so the second web container a switch starts cannot be created. Fix: delete line 8 `container_name: web`.',
      'app-byo/docker-compose.prod.yml:25: service "proxy": publishes host port 80 (`80:80`): the stack\'s edge owns ports 80 and 443 (it terminates HTTPS and keeps connections open across deploys) and reaches the proxy on a loopback port. Fix: write line 25 as `- "${HTTP_PORT:-80}:80"` (the deploy sets HTTP_PORT to that loopback address).',
    ],
  },
  "a host port published by web, and no proxy": {
    raw: fixture("web-published.yml"),
    problems: [
      'tests/fixtures/compose/web-published.yml:7: service "web": publishes host port 8000 (`8000:8000`), which two web containers cannot both bind during a switch. Fix: delete line 7 `- 8000:8000` (and `ports:` if it is left empty); the proxy reaches web over the compose network, and `expose: ["8000"]` documents the port.',
      'tests/fixtures/compose/web-published.yml:2: has no proxy in front of web: no other service publishes through ${HTTP_PORT} or port 80 or 443. Fix: set `compose-on-ec2:proxyService` to the service that proxies to web (one of db_backup), or give it `ports: ["${HTTP_PORT:-80}:80"]`.',
    ],
  },
  "host networking on web and on the proxy": {
    raw: fixture("network-host.yml", { proxyService: "nginx" }),
    problems: [
      'tests/fixtures/compose/network-host.yml:4: service "web": `network_mode: host` takes web off the compose network: two containers would share one network stack and the proxy cannot reach them by the name "web". Fix: delete line 4 `network_mode: host` and have the proxy reach `web:<port>`.',
      'tests/fixtures/compose/network-host.yml:9: service "nginx": `network_mode: host` takes the proxy off the compose network, so it cannot reach web by name. Fix: delete line 9 and publish the proxy\'s port with `ports: ["${HTTP_PORT:-80}:80"]`.',
    ],
  },
  "a proxy waiting for a healthcheck web does not have": {
    raw: fixture("healthcheck-disabled.yml"),
    problems: [
      'tests/fixtures/compose/healthcheck-disabled.yml:16: service "nginx": waits for web to be `service_healthy`, but web has no enabled healthcheck, so compose refuses to start nginx. Fix: change line 16 to `condition: service_started`, or add a `healthcheck:` to web.',
    ],
  },
  "a proxy on another network than web": {
    raw: fixture("split-networks.yml"),
    problems: [
      'tests/fixtures/compose/split-networks.yml:12: service "nginx": is on network(s) frontend and web on backend, so the proxy cannot reach web. Fix: add `- backend` under nginx\'s `networks:` (line 12).',
    ],
  },
  "an env_file outside the app directory": {
    raw: fixture("host-only.yml"),
    problems: [
      'tests/fixtures/compose/host-only.yml:15: service "web": `env_file: ../shared/.env` is outside the app directory, where the deployment writes the environment. Fix: change line 15 to `env_file: .env` (a path inside the app directory, relative to the compose file).',
      'tests/fixtures/compose/host-only.yml:8: service "web": `./src:/app/src` binds ./src, which the release does not ship: Docker creates it as an empty directory inside that release (the `active` link is resolved when the container is created), so whatever web writes there is deleted when the release is pruned (keepReleases). Fix: write line 8 as `- src:/app/src` and add `src:` under the top-level `volumes:`: a named volume outlives every release.',
      'tests/fixtures/compose/host-only.yml:10: service "web": `{"type":"bind","source":"./uploads","target":"/app/media"}` binds ./uploads, which the release does not ship: Docker creates it as an empty directory inside that release (the `active` link is resolved when the container is created), so whatever web writes there is deleted when the release is pruned (keepReleases). Fix: make the entry at line 10 `type: volume` with `source: uploads` and add `uploads:` under the top-level `volumes:`: a named volume outlives every release.',
    ],
  },
  "a proxyService the file does not define": {
    raw: { proxyService: "ngnix" },
    problems: [
      'app/docker-compose.prod.yml:4: has no service "ngnix" (the proxy in front of web); its services are web, nginx, worker, redis. Fix: set `compose-on-ec2:proxyService: nginx` in the stack settings if nginx is the proxy in front of web, or rename that service to ngnix under `services:`.',
    ],
  },
  "a proxyService that is not a service name": {
    raw: { proxyService: "my proxy" },
    problems: [
      'compose-on-ec2:proxyService = "my proxy": is not a compose service name. Fix: use the name of the service under `services:` that proxies to the web service, e.g. nginx',
    ],
  },
  "a webPort gunicorn does not bind": {
    raw: fixture("rsync-edited.yml", { webPort: 8080 }),
    problems: [
      'tests/fixtures/compose/rsync-edited.yml:11: service "web": gunicorn binds port 8000 but `compose-on-ec2:webPort` is 8080. Fix: set `compose-on-ec2:webPort: 8000`, or bind gunicorn to :8080 on line 11.',
    ],
  },
  "a webPort that is no port": {
    raw: { webPort: 70000 },
    problems: [
      "compose-on-ec2:webPort = 70000: is out of range 1..65535. Fix: pulumi config set webPort <integer between 1 and 65535>",
    ],
  },
  "appAllowFiles patterns that reach outside the app directory": {
    raw: { appAllowFiles: ["/etc/ssl/key.pem", "../secrets/x.pem", "certs/test.pem"] },
    problems: [
      'compose-on-ec2:appAllowFiles = "/etc/ssl/key.pem": must be a pattern relative to appDir "app" (no leading /, no ..): only files inside it ship. Fix: copy the file into app and list it relative to it, e.g. "key.pem"',
      'compose-on-ec2:appAllowFiles = "../secrets/x.pem": must be a pattern relative to appDir "app" (no leading /, no ..): only files inside it ship. Fix: copy the file into app and list it relative to it, e.g. "x.pem"',
    ],
  },
  "a compose file that is not valid YAML": {
    raw: fixture("not-yaml.txt"),
    problems: [
      "compose-on-ec2:composeFile: tests/fixtures/compose/not-yaml.txt:4: is not valid YAML (bad indentation of a mapping entry). Fix: correct the YAML at line 4.",
    ],
  },
};

/** The CA bundle's mount is judged in every file (its own test below); these cases are about the others. */
const DB_CA_REFUSAL = /reads DATABASE_URL, which verifies the database's certificate/;

describe("config judges the compose file for the gapless switch", () => {
  for (const [name, c] of Object.entries(REFUSED)) {
    it(`refuses ${name}, with the exact edit`, () => {
      const problems = problemsOfParse(() => parse(c.raw), name).filter((p) => !DB_CA_REFUSAL.test(p));
      assert.deepStrictEqual(problems, c.problems);
    });
  }

  it("refuses a service that reads DATABASE_URL without the database's CA bundle mounted, with the exact edit", () => {
    const problems = problemsOfParse(() => parse(fixture("rsync-as-is.yml")), "rsync-as-is");
    assert.deepStrictEqual(problems.filter((p) => DB_CA_REFUSAL.test(p)), [
      "tests/fixtures/compose/rsync-as-is.yml:5: service \"web\": reads DATABASE_URL, which verifies the database's certificate against /db-ca/ca.pem, but does not mount /db-ca. Fix: after line 14, add `- ${DB_CA_DIR:-./db-ca}:/db-ca:ro` to web's `volumes:` (the deploy sets DB_CA_DIR).",
    ]);
    // The proxy reads no DATABASE_URL: it needs no mount.
    assert.ok(!problems.some((p) => DB_CA_REFUSAL.test(p) && p.includes('service "nginx"')));
  });

  it("counts a service that takes ${DATABASE_URL} under another name as reading it", () => {
    const text = "services:\n  web:\n    image: shop/web:1\n    environment:\n      DB: ${DATABASE_URL}\n"
      + "  worker:\n    image: shop/web:1\n    environment:\n      - QUEUE_DB=$DATABASE_URL\n"
      + "  redis:\n    image: redis:7\n";
    const problems = analyseDbCaMounts(parseCompose(text, "c.yml"), ".env");
    assert.deepStrictEqual(problems.map((p) => /service "(\w+)": reads DATABASE_URL/.exec(p)?.[1]), ["web", "worker"]);
  });

  it("accepts the rsync file after the two edits, with what the deploy needs from it", () => {
    const app = parse(fixture("rsync-edited.yml")).app;
    assert.deepStrictEqual(
      { proxy: app.proxyService, port: app.webPort, envFile: app.envFile, health: app.healthSource },
      { proxy: "proxy", port: 8000, envFile: ".env.prod", health: "deploy probe" },
    );
    assert.deepStrictEqual(app.composeFindings.slice(0, 4), [
      "compose file tests/fixtures/compose/rsync-edited.yml: services web, proxy",
      "proxied service: web (port 8000) behind proxy",
      "health: the deploy probes the new container (no compose healthcheck)",
      "environment written to .env.prod",
    ]);
  });

  it("keeps today's behaviour for our own app: nginx, port 8000, .env, the compose healthcheck", () => {
    const app = parse({}).app;
    assert.deepStrictEqual([app.proxyService, app.webPort, app.envFile, app.healthSource], ["nginx", 8000, ".env",
      "compose healthcheck"]);
  });

  it("leaves the gapless rules to ec2: on ecs the compose file is judged by its ECS translation (and the CA mount both need)", () => {
    const problems = problemsOfParse(() => parse(fixture("rsync-as-is.yml", { hosting: "ecs", cache: "redis" })),
      "rsync-as-is on ecs");
    assert.deepStrictEqual(problems.map((p) => DB_CA_REFUSAL.test(p)), [true], problems.join("\n"));
  });
});
