// The compose file judged before any resource exists: compose files as users write them, each
// accepted with what the deploy needs, or refused with a message that names the file, the service,
// the line and the edit. Pure: no mocks.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import {
  ComposeError,
  ComposeModel,
  GaplessOptions,
  analyseForGaplessSwitch,
  composeToEcs,
  durationSeconds,
  fargateSize,
  fargateTask,
  interpolate,
  isRegistryImage,
  parseCompose,
  readComposeFile,
  shellWords,
  sizeMiB,
} from "../../components/compose";

const ROOT = path.join(__dirname, "..", "..");
const FIXTURES = path.join(ROOT, "tests", "fixtures", "compose");

/** Our own app's file, or a fixture, under the name its messages use. */
function load(name: string): ComposeModel {
  return name === "ours" ? readComposeFile(path.join(ROOT, "app", "docker-compose.prod.yml"), "app/docker-compose.prod.yml") : readComposeFile(path.join(FIXTURES, name), name);
}

/** The text of the line a message points at ("file:N: …"). */
function lineOf(message: string): string {
  const m = /^([^:]+):(\d+): /.exec(message);
  assert.ok(m, `message does not start with file:line: ${message}`);
  const file = m[1] === "app/docker-compose.prod.yml" ? path.join(ROOT, "app", "docker-compose.prod.yml") : path.join(FIXTURES, m[1]);
  return fs.readFileSync(file, "utf8").split("\n")[Number(m[2]) - 1];
}

describe("compose file: not a compose file is refused with the file and line", () => {
  const cases: { name: string; text: string; message: string }[] = [
    { name: "empty file", text: "# nothing yet\n", message: "x.yml:1: is not a compose file: the file is empty. Fix: start the file with a top-level `services:` mapping, one key per service." },
    { name: "a list", text: "- web\n- nginx\n", message: "x.yml:1: is not a compose file: its top level is a list. Fix: start the file with a top-level `services:` mapping, one key per service." },
    { name: "no services key", text: "version: '3'\nvolumes:\n  data:\n", message: "x.yml:1: is not a compose file: it has no top-level `services:` key (top-level keys: version, volumes). Fix: put the services under a top-level `services:` key." },
    { name: "legacy version-1 layout", text: "# v1\nweb:\n  build: .\nnginx:\n  image: nginx\n", message: "x.yml:2: uses the legacy version-1 layout (web, nginx at the top level) and has no `services:` key. Fix: add a line `services:` above line 2 and indent web, nginx under it." },
    { name: "services as a list", text: "services:\n  - web\n", message: "x.yml:1: `services:` is a list, not a mapping of service names. Fix: write each service as a key under `services:`, e.g. `  web:` followed by its settings indented below it." },
    { name: "an empty service", text: "services:\n  web:\n    build: .\n  nginx:\n", message: 'x.yml:4: service "nginx": is empty, not a mapping of settings. Fix: give it at least `image:` or `build:` indented under `nginx:`.' },
    { name: "invalid YAML", text: "services:\n  web:\n    build: .\n   image: x\n", message: "x.yml:4: is not valid YAML (bad indentation of a mapping entry). Fix: correct the YAML at line 4." },
    { name: "a duplicated key", text: "services:\n  web:\n    build: .\n  web:\n    image: x\n", message: "x.yml:4: is not valid YAML (duplicated mapping key). Fix: correct the YAML at line 4." },
  ];
  for (const c of cases) {
    it(`refuses ${c.name}`, () => {
      assert.throws(() => parseCompose(c.text, "x.yml"), (err: unknown) => err instanceof ComposeError && err.message === c.message);
    });
  }

  it("locates every service and setting of our own file on the line it is written", () => {
    const model = load("ours");
    const text = fs.readFileSync(path.join(ROOT, "app", "docker-compose.prod.yml"), "utf8").split("\n");
    assert.deepStrictEqual(model.services.map((s) => [s.name, text[s.line - 1].trim()]), [["web", "web:"], ["nginx", "nginx:"], ["worker", "worker:"], ["redis", "redis:"]]);
    assert.match(text[(model.lines.get('["services","nginx","ports",0]') as number) - 1], /- "\$\{HTTP_PORT:-80\}:80"/);
    assert.match(text[(model.lines.get('["services","web","healthcheck","start_period"]') as number) - 1], /start_period: 20s/);
  });
});

interface GaplessCase {
  file: string;
  opts?: Partial<GaplessOptions>;
  /** What the deploy reads from the file (accepted when nothing is refused). */
  needs?: { proxy: string; health: "compose healthcheck" | "deploy probe"; envFiles: string[]; envFileToWrite: string; webPort: number; note?: string };
  /** Refused: the exact messages, and what each cited line shows; none means accepted. */
  refused?: { message: string; lineShows: string }[];
}

const GAPLESS_CASES: Record<string, GaplessCase> = {
  "our example app": { file: "ours", needs: { proxy: "nginx", health: "compose healthcheck", envFiles: [".env"], envFileToWrite: ".env", webPort: 8000, note: "web port 8000 (gunicorn's default)" } },
  "the rsync pipeline's file as-is (version, container_name, entrypoint script, build with dockerfile)": {
    file: "rsync-as-is.yml",
    refused: [
      { message: 'rsync-as-is.yml:9: service "web": `container_name: web` fixes the container\'s name, so the second web container a switch starts cannot be created. Fix: delete line 9 `container_name: web`.', lineShows: "container_name: web" },
      { message: 'rsync-as-is.yml:26: service "nginx": publishes host port 80 (`80:80`): the stack\'s edge owns ports 80 and 443 (it terminates HTTPS and keeps connections open across deploys) and reaches the proxy on a loopback port. Fix: write line 26 as `- "${HTTP_PORT:-80}:80"` (the deploy sets HTTP_PORT to that loopback address).', lineShows: "- 80:80" },
    ],
  },
  "that file after the edit, with a proxy not named nginx": {
    file: "rsync-edited.yml",
    needs: { proxy: "proxy", health: "deploy probe", envFiles: [".env.prod"], envFileToWrite: ".env.prod", webPort: 8000, note: "proxy keeps `container_name: proxy`" },
  },
  "no version, the port only in expose, two env files, a proxy publishing 80 and 443 on the host": {
    file: "expose-env-list.yml",
    opts: { webService: "app" },
    needs: { proxy: "frontend", health: "deploy probe", envFiles: [".env.common", ".env.prod"], envFileToWrite: ".env.prod", webPort: 5000, note: "web port 5000, from `expose:` (line 6)" },
    refused: [
      { message: 'expose-env-list.yml:14: service "frontend": publishes host port 80 (`80:80`): the stack\'s edge owns ports 80 and 443 (it terminates HTTPS and keeps connections open across deploys) and reaches the proxy on a loopback port. Fix: write line 14 as `- "${HTTP_PORT:-80}:80"` (the deploy sets HTTP_PORT to that loopback address).', lineShows: '- "80:80"' },
      { message: 'expose-env-list.yml:15: service "frontend": publishes host port 443 (`443:443`): the stack\'s edge owns ports 80 and 443 (it terminates HTTPS and keeps connections open across deploys) and reaches the proxy on a loopback port. Fix: delete line 15 `- 443:443` (TLS is the edge\'s job; the proxy publishes one port, through ${HTTP_PORT}).', lineShows: '- "443:443"' },
    ],
  },
  "the web service named differently than the setting": {
    file: "expose-env-list.yml",
    refused: [{ message: 'expose-env-list.yml:2: has no service "web" (the service that runs gunicorn); its services are app, frontend. Fix: set `compose-on-ec2:webService: app` in the stack settings if app is the service that runs gunicorn, or rename that service to web under `services:`.', lineShows: "services:" }],
  },
  "gunicorn published on the host with no proxy": {
    file: "web-published.yml",
    refused: [
      { message: 'web-published.yml:7: service "web": publishes host port 8000 (`8000:8000`), which two web containers cannot both bind during a switch. Fix: delete line 7 `- 8000:8000` (and `ports:` if it is left empty); the proxy reaches web over the compose network, and `expose: ["8000"]` documents the port.', lineShows: '- "8000:8000"' },
      { message: "web-published.yml:2: has no proxy in front of web: no other service publishes through ${HTTP_PORT} or port 80 or 443. Fix: set `compose-on-ec2:proxyService` to the service that proxies to web (one of db_backup), or give it `ports: [\"${HTTP_PORT:-80}:80\"]`.", lineShows: "services:" },
    ],
  },
  "host networking": {
    file: "network-host.yml",
    opts: { proxyService: "nginx" },
    refused: [
      { message: 'network-host.yml:4: service "web": `network_mode: host` takes web off the compose network: two containers would share one network stack and the proxy cannot reach them by the name "web". Fix: delete line 4 `network_mode: host` and have the proxy reach `web:<port>`.', lineShows: "network_mode: host" },
      { message: 'network-host.yml:9: service "nginx": `network_mode: host` takes the proxy off the compose network, so it cannot reach web by name. Fix: delete line 9 and publish the proxy\'s port with `ports: ["${HTTP_PORT:-80}:80"]`.', lineShows: "network_mode: host" },
    ],
  },
  "a disabled healthcheck that nginx still waits on": {
    file: "healthcheck-disabled.yml",
    refused: [{ message: 'healthcheck-disabled.yml:16: service "nginx": waits for web to be `service_healthy`, but web has no enabled healthcheck, so compose refuses to start nginx. Fix: change line 16 to `condition: service_started`, or add a `healthcheck:` to web.', lineShows: "condition: service_healthy" }],
  },
  "web + redis + nginx + worker with depends_on conditions": {
    file: "web-redis-nginx-worker.yml",
    needs: { proxy: "nginx", health: "compose healthcheck", envFiles: [".env.prod"], envFileToWrite: ".env.prod", webPort: 8000, note: "web port 8000, from gunicorn's bind (line 13)" },
  },
  "shared settings through an extension field and merge keys": {
    file: "anchors.yml",
    opts: { webService: "django" },
    refused: [{ message: 'anchors.yml:15: service "django": `container_name: django` fixes the container\'s name, so the second django container a switch starts cannot be created. Fix: delete line 15 `container_name: django`.', lineShows: "container_name: django" }],
  },
  "an env file outside the app directory": {
    file: "host-only.yml",
    refused: [{ message: 'host-only.yml:15: service "web": `env_file: ../shared/.env` is outside the app directory, where the deployment writes the environment. Fix: change line 15 to `env_file: .env` (a path inside the app directory, relative to the compose file).', lineShows: "env_file: ../shared/.env" }],
  },
  "the proxy on another network than web": {
    file: "split-networks.yml",
    refused: [{ message: 'split-networks.yml:12: service "nginx": is on network(s) frontend and web on backend, so the proxy cannot reach web. Fix: add `- backend` under nginx\'s `networks:` (line 12).', lineShows: "networks:" }],
  },
  "a proxy setting naming a missing service": {
    file: "ours",
    opts: { proxyService: "ngnix" },
    refused: [{ message: 'app/docker-compose.prod.yml:4: has no service "ngnix" (the proxy in front of web); its services are web, nginx, worker, redis. Fix: set `compose-on-ec2:proxyService: nginx` in the stack settings if nginx is the proxy in front of web, or rename that service to ngnix under `services:`.', lineShows: "services:" }],
  },
  "a web port setting gunicorn does not bind": {
    file: "rsync-edited.yml",
    opts: { webPort: 8080 },
    refused: [{ message: 'rsync-edited.yml:11: service "web": gunicorn binds port 8000 but `compose-on-ec2:webPort` is 8080. Fix: set `compose-on-ec2:webPort: 8000`, or bind gunicorn to :8080 on line 11.', lineShows: "--bind 0.0.0.0:8000" }],
  },
};

describe("compose file: what the gapless switch needs", () => {
  for (const [name, c] of Object.entries(GAPLESS_CASES)) {
    it(`${c.refused ? "refuses" : "accepts"} ${name}`, () => {
      const f = analyseForGaplessSwitch(load(c.file), { webService: "web", ...c.opts });
      assert.deepStrictEqual(f.refusals, (c.refused ?? []).map((r) => r.message));
      for (const r of c.refused ?? []) assert.ok(lineOf(r.message).includes(r.lineShows), `line cited by "${r.message}" is "${lineOf(r.message)}"`);
      if (c.needs) {
        const { note, ...expected } = c.needs;
        assert.deepStrictEqual({ proxy: f.proxy, health: f.health, envFiles: f.envFiles, envFileToWrite: f.envFileToWrite, webPort: f.webPort }, expected);
        if (note) assert.ok(f.notes.some((n) => n.includes(note)), `no note with "${note}" in ${JSON.stringify(f.notes)}`);
      }
    });
  }

  it("reads gunicorn's bind from --bind=, -b and GUNICORN_CMD_ARGS, and the proxy by the port it publishes", () => {
    const model = (web: string) => parseCompose(`services:\n  web:\n    build: .\n${web}\n  edge:\n    image: caddy:2\n    ports: ["8080:80"]\n`, "x.yml");
    const port = (web: string) => analyseForGaplessSwitch(model(web), { webService: "web" }).webPort;
    assert.strictEqual(port("    command: gunicorn app.wsgi --bind=0.0.0.0:9000"), 9000);
    assert.strictEqual(port('    command: ["sh", "-c", "python manage.py migrate && gunicorn app.wsgi -b :7000"]'), 7000);
    assert.strictEqual(port("    environment:\n      GUNICORN_CMD_ARGS: --bind 0.0.0.0:6000 --workers 3"), 6000);
    assert.strictEqual(port('    expose: ["5000"]\n    command: gunicorn app.wsgi -b 0.0.0.0:5001'), 5001);
    assert.strictEqual(analyseForGaplessSwitch(model(""), { webService: "web" }).proxy, "edge");
  });

  it("accepts web ports without a host port and says why", () => {
    const f = analyseForGaplessSwitch(parseCompose('services:\n  web:\n    build: .\n    ports: ["8000"]\n  nginx:\n    image: nginx\n    ports: ["${HTTP_PORT:-80}:80"]\n', "x.yml"), { webService: "web" });
    assert.deepStrictEqual(f.refusals, []);
    assert.ok(f.notes.includes("web publishes container port 8000 without a host port (line 4): docker gives each container its own free host port, so it stays"), JSON.stringify(f.notes));
  });

  it("refuses two services publishing port 80 until the proxy is named", () => {
    const text = 'services:\n  web:\n    build: .\n  nginx:\n    image: nginx\n    ports: ["${HTTP_PORT:-80}:80"]\n  traefik:\n    image: traefik\n    ports: ["${HTTP_PORT:-80}:443"]\n';
    assert.deepStrictEqual(analyseForGaplessSwitch(parseCompose(text, "x.yml"), { webService: "web" }).refusals, [
      "x.yml:1: has several services publishing port 80/443 (nginx, traefik), so the proxy is ambiguous. Fix: set `compose-on-ec2:proxyService` to the one that proxies to web.",
    ]);
    assert.deepStrictEqual(analyseForGaplessSwitch(parseCompose(text, "x.yml"), { webService: "web", proxyService: "traefik" }).refusals, []);
  });
});

describe("compose file: translation to ECS on Fargate", () => {
  const pushed = (service: string) => `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-${service}:r1`;

  it("translates our example app with the images the stack pushes", () => {
    const t = composeToEcs(load("ours"), { proxyService: "nginx", imageFor: pushed });
    assert.deepStrictEqual(t.errors, []);
    const [web, nginx] = t.containers;
    assert.deepStrictEqual(web.definition.healthCheck, { command: ["CMD", "python3", "bin/healthcheck.py"], interval: 5, timeout: 5, retries: 3, startPeriod: 20 });
    assert.strictEqual(web.definition.stopTimeout, 30);
    assert.deepStrictEqual(web.envFiles, [".env"]);
    assert.strictEqual(nginx.loadBalancerPort, 80);
    assert.deepStrictEqual(nginx.dependencies.map((d) => [d.service, d.condition]), [["web", "HEALTHY"]]);
    const task = fargateTask(t, ["web", "nginx"]);
    assert.deepStrictEqual([task.cpu, task.memory], [256, 512]);
    assert.deepStrictEqual(task.containerDefinitions.map((d) => [d.name, d.image, (d as { dependsOn?: unknown }).dependsOn]), [
      ["web", pushed("web"), undefined],
      ["nginx", pushed("nginx"), [{ containerName: "web", condition: "HEALTHY" }]],
    ]);
    assert.throws(() => fargateTask(t, ["nginx"]), /app\/docker-compose.prod.yml:36: service "nginx": depends on web, which runs in another task/);
  });

  it("refuses our built services when nothing pushes their images", () => {
    assert.deepStrictEqual(composeToEcs(load("ours"), { proxyService: "nginx" }).errors, [
      'app/docker-compose.prod.yml:6: service "web": is built from source (`build:`) and its image "compose-on-ec2-web:dev" names no registry, so Fargate has nothing to pull. Fix: let the stack build and push it to ECR, or set `image:` to a registry image your CI pushes, e.g. `image: <account>.dkr.ecr.<region>.amazonaws.com/web:${RELEASE_ID}`.',
      'app/docker-compose.prod.yml:27: service "nginx": is built from source (`build:`) and names no image, so Fargate has nothing to pull. Fix: let the stack build and push it to ECR, or set `image:` to a registry image your CI pushes, e.g. `image: <account>.dkr.ecr.<region>.amazonaws.com/nginx:${RELEASE_ID}`.',
    ]);
  });

  it("translates web + redis + nginx + worker: conditions, one-shot migration, health timings, sizes, secrets", () => {
    const t = composeToEcs(load("web-redis-nginx-worker.yml"), { proxyService: "nginx", env: { RELEASE_ID: "r7" } });
    assert.deepStrictEqual(t.errors, []);
    const by = Object.fromEntries(t.containers.map((c) => [c.service, c]));
    assert.deepStrictEqual([by.migrate.role, by.migrate.definition.essential, by.web.role], ["one-shot", false, "long-running"]);
    assert.deepStrictEqual(by.migrate.definition.command, ["python", "manage.py", "migrate", "--noinput"]);
    assert.strictEqual(by.web.definition.image, "registry.example.com/shop/web:r7");
    assert.deepStrictEqual(by.web.definition.command, ["gunicorn", "shop.wsgi:application", "--bind", "0.0.0.0:8000", "--graceful-timeout", "25"]);
    assert.deepStrictEqual(by.web.dependencies.map((d) => [d.service, d.condition]), [["migrate", "SUCCESS"], ["redis", "HEALTHY"]]);
    assert.deepStrictEqual(by.web.definition.healthCheck, { command: ["CMD-SHELL", "curl -fsS http://localhost:8000/healthz || exit 1"], interval: 90, timeout: 2, retries: 5, startPeriod: 40 });
    assert.ok(t.notes.includes("web: healthcheck timeout 500ms is outside ECS's 2–60 s; 2 s is used"));
    assert.strictEqual(by.web.definition.stopTimeout, 120);
    assert.deepStrictEqual([by.web.definition.cpu, by.web.definition.memory, by.web.definition.memoryReservation, by.web.task], [768, 1536, 512, { cpu: 1024, memory: 2048 }]);
    assert.strictEqual(by.web.replicas, 2);
    assert.deepStrictEqual(by.web.definition.environment, [
      { name: "DJANGO_SETTINGS_MODULE", value: "shop.settings.prod" },
      { name: "WEB_CONCURRENCY", value: "3" },
      { name: "ALLOWED_HOSTS", value: "localhost,127.0.0.1" },
    ]);
    assert.ok(t.notes.includes("web: environment ALLOWED_HOSTS (line 22) takes the compose default of ${DOMAIN}, which the stack does not set"), JSON.stringify(t.notes));
    assert.deepStrictEqual(by.web.secretVariables, [
      { name: "DATABASE_URL", variable: "DATABASE_URL" },
      { name: "SECRET_KEY", variable: "DJANGO_SECRET_KEY", fallback: "insecure-dev-key" },
    ]);
    assert.deepStrictEqual([by.worker.definition.environment, by.worker.secretVariables], [[{ name: "C_FORCE_ROOT", value: "1" }], [{ name: "SENTRY_DSN", variable: "SENTRY_DSN" }]]);
    assert.deepStrictEqual(by.worker.dependencies.map((d) => [d.service, d.condition]), [["redis", "START"]]);
    assert.deepStrictEqual([by.worker.definition.linuxParameters, by.worker.task], [{ initProcessEnabled: true }, { cpu: 256, memory: 1024 }]);
    assert.deepStrictEqual([by.redis.definition.portMappings, by.redis.volumes], [[{ containerPort: 6379, protocol: "tcp" }], ["redis-data"]]);
    assert.strictEqual(by.nginx.loadBalancerPort, 80);
    const task = fargateTask(t, ["migrate", "web", "redis"]);
    assert.deepStrictEqual([task.cpu, task.memory], [1024, 2048]);
  });

  const ECS_REFUSALS: Record<string, { file: string; proxyService?: string; errors: string[] }> = {
    "host bind mounts, a secret spliced into a URL, privileged, tmpfs, network_mode and a published database port": {
      file: "host-only.yml",
      proxyService: "nginx",
      errors: [
        'host-only.yml:14: service "web": environment DATABASE_URL mixes text with ${DB_PASSWORD}, which only the deploying shell knows. Fix: put the whole DATABASE_URL=… line in the env file (its entries become ECS secrets) and delete line 14.',
        'host-only.yml:8: service "web": mounts host path ./src (`./src:/app/src`): Fargate tasks have no host filesystem. Fix: delete line 8; bake those files into the image (COPY in the Dockerfile), and keep data that must last in S3 or the database.',
        'host-only.yml:9: service "web": mounts host path /var/log/shop (`/var/log/shop:/app/logs`): Fargate tasks have no host filesystem. Fix: delete line 9; bake those files into the image (COPY in the Dockerfile), and keep data that must last in S3 or the database.',
        'host-only.yml:10: service "web": mounts host path ./uploads (`{"type":"bind","source":"./uploads","target":"/app/media"}`): Fargate tasks have no host filesystem. Fix: delete line 10; bake those files into the image (COPY in the Dockerfile), and keep data that must last in S3 or the database.',
        'host-only.yml:4: service "web": is built from source (`build:`) and its image "shop-web" names no registry, so Fargate has nothing to pull. Fix: let the stack build and push it to ECR, or set `image:` to a registry image your CI pushes, e.g. `image: <account>.dkr.ecr.<region>.amazonaws.com/web:${RELEASE_ID}`.',
        'host-only.yml:23: service "redis": `network_mode: bridge`: Fargate gives every task its own network interface (awsvpc mode). Fix: delete line 23; containers of one task reach each other on localhost, other services through the load balancer or service discovery.',
        'host-only.yml:22: service "redis": `privileged: true`: Fargate does not run privileged containers. Fix: delete line 22 and grant only what the app needs.',
        'host-only.yml:24: service "redis": `tmpfs:`: Fargate has no tmpfs mounts. Fix: delete line 24 (the container\'s own filesystem is writable) or mount a named volume there.',
        'host-only.yml:21: service "redis": publishes host port 6379 (`6379:6379`): on ECS only the load balancer, in front of nginx, is reachable from outside. Fix: delete line 21 `- 6379:6379`; other services reach it inside the VPC.',
      ],
    },
    "host networking": {
      file: "network-host.yml",
      proxyService: "nginx",
      errors: [
        'network-host.yml:4: service "web": `network_mode: host`: Fargate gives every task its own network interface (awsvpc mode). Fix: delete line 4; containers of one task reach each other on localhost, other services through the load balancer or service discovery.',
        'network-host.yml:3: service "web": is built from source (`build:`) and names no image, so Fargate has nothing to pull. Fix: let the stack build and push it to ECR, or set `image:` to a registry image your CI pushes, e.g. `image: <account>.dkr.ecr.<region>.amazonaws.com/web:${RELEASE_ID}`.',
        'network-host.yml:9: service "nginx": `network_mode: host`: Fargate gives every task its own network interface (awsvpc mode). Fix: delete line 9; containers of one task reach each other on localhost, other services through the load balancer or service discovery.',
      ],
    },
    "a port published by a service that is not the proxy": {
      file: "web-published.yml",
      errors: [
        'web-published.yml:7: service "web": publishes host port 8000 (`8000:8000`): on ECS only the load balancer is reachable from outside. Fix: delete line 7 `- 8000:8000`; other services reach it inside the VPC, and if it receives the site\'s traffic, set `compose-on-ec2:proxyService: web`.',
        'web-published.yml:4: service "web": is built from source (`build:`) and names no image, so Fargate has nothing to pull. Fix: let the stack build and push it to ECR, or set `image:` to a registry image your CI pushes, e.g. `image: <account>.dkr.ecr.<region>.amazonaws.com/web:${RELEASE_ID}`.',
      ],
    },
    "a HEALTHY dependency on a service whose healthcheck is disabled": {
      file: "healthcheck-disabled.yml",
      proxyService: "nginx",
      errors: [
        'healthcheck-disabled.yml:3: service "web": is built from source (`build:`) and names no image, so Fargate has nothing to pull. Fix: let the stack build and push it to ECR, or set `image:` to a registry image your CI pushes, e.g. `image: <account>.dkr.ecr.<region>.amazonaws.com/web:${RELEASE_ID}`.',
        'healthcheck-disabled.yml:16: service "nginx": waits for web to be healthy, but web has no healthcheck (ECS requires one for HEALTHY). Fix: add a `healthcheck:` to web, or change line 16 to `condition: service_started`.',
      ],
    },
  };
  for (const [name, c] of Object.entries(ECS_REFUSALS)) {
    it(`refuses ${name}`, () => {
      assert.deepStrictEqual(composeToEcs(load(c.file), { proxyService: c.proxyService }).errors, c.errors);
    });
  }

  it("lets the service the load balancer fronts keep its published port, and leaves profiled services out", () => {
    const text = 'services:\n  web:\n    image: ghcr.io/acme/web:1\n    ports: ["8000:8000"]\n  debug:\n    image: busybox\n    profiles: [debug]\n';
    const t = composeToEcs(parseCompose(text, "x.yml"), { proxyService: "web" });
    assert.deepStrictEqual([t.errors, t.containers.map((c) => c.service), t.containers[0].loadBalancerPort], [[], ["web"], 8000]);
  });
});

describe("compose value readers", () => {
  it("reads compose durations in seconds", () => {
    const cases: [unknown, number | undefined][] = [["1m30s", 90], ["500ms", 0.5], ["2h", 7200], ["1.5s", 1.5], ["10s", 10], [15, 15], ["10", undefined], ["soon", undefined]];
    for (const [input, seconds] of cases) assert.strictEqual(durationSeconds(input), seconds, String(input));
  });

  it("reads compose memory sizes in MiB, rounded up", () => {
    const cases: [unknown, number | undefined][] = [["512M", 512], ["1g", 1024], ["1.5g", 1536], ["1GB", 1024], [1073741824, 1024], ["100k", 1], ["lots", undefined]];
    for (const [input, mib] of cases) assert.strictEqual(sizeMiB(input), mib, String(input));
  });

  it("splits a command string into words as compose does", () => {
    assert.deepStrictEqual(shellWords(`gunicorn "a b" 'c d' e\\ f`), ["gunicorn", "a b", "c d", "e f"]);
    assert.strictEqual(shellWords(`sh -c "unclosed`), undefined);
  });

  it("interpolates ${VAR} with compose's default and alternative forms", () => {
    const env = { SET: "x", EMPTY: "" };
    assert.strictEqual(interpolate("${SET:-d} ${UNSET:-d} ${EMPTY:-d} ${EMPTY-d} ${SET:+alt} ${UNSET:+alt} $SET $$SET", env), "x d d  alt  x $SET");
  });

  it("tells registry images from local names", () => {
    assert.deepStrictEqual(["123.dkr.ecr.us-east-1.amazonaws.com/web:1", "localhost:5000/web", "ghcr.io/a/b", "web:dev", "acme/web"].map(isRegistryImage), [true, true, true, false, false]);
  });

  it("rounds a task up to the cheapest valid Fargate size", () => {
    const cases: [number, number, { cpu: number; memory: number } | undefined][] = [
      [0, 0, { cpu: 256, memory: 512 }],
      [256, 3000, { cpu: 512, memory: 3072 }],
      [768, 1536, { cpu: 1024, memory: 2048 }],
      [2048, 1000, { cpu: 2048, memory: 4096 }],
      [4096, 31000, { cpu: 8192, memory: 32768 }],
      [8192, 70000, { cpu: 16384, memory: 73728 }],
      [20000, 1, undefined],
    ];
    for (const [cpu, memory, size] of cases) assert.deepStrictEqual(fargateSize(cpu, memory), size, `${cpu}/${memory}`);
  });
});
