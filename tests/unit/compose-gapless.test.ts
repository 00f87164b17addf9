// The compose file judged before any resource exists: what the gapless switch needs from it (the proxy,
// the health source, env files, the web port), or a refusal naming the file, service, line and edit. Pure: no mocks.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { GaplessOptions, analyseForGaplessSwitch, parseCompose } from "../../components/compose";
import { COMPOSE_FIXTURES, loadCompose, OUR_COMPOSE_NAME, OUR_COMPOSE_PATH } from "../support/compose";

/** The text of the line a message points at ("file:N: …"). */
function lineOf(message: string): string {
  const m = /^([^:]+):(\d+): /.exec(message);
  assert.ok(m, `message does not start with file:line: ${message}`);
  const file = m[1] === OUR_COMPOSE_NAME ? OUR_COMPOSE_PATH : path.join(COMPOSE_FIXTURES, m[1]);
  return fs.readFileSync(file, "utf8").split("\n")[Number(m[2]) - 1];
}

interface GaplessCase {
  file: string;
  opts?: Partial<GaplessOptions>;
  /** What the deploy reads from the file (accepted when nothing is refused). */
  needs?: { proxy: string; health: "compose healthcheck" | "deploy probe"; envFiles: string[]; envFileToWrite: string;
    webPort: number; note?: string };
  /** Refused: the exact messages, and what each cited line shows; none means accepted. */
  refused?: { message: string; lineShows: string }[];
}

/** The proxy refused for publishing one of the edge's ports on the host: at file:line, the port, the edit. */
const publishesEdgePort = (at: string, service: string, port: number, fix: string) =>
  `${at}: service "${service}": publishes host port ${port} (\`${port}:${port}\`): the stack's edge owns ports 80 and 443 (it terminates HTTPS and keeps connections open across deploys) and reaches the proxy on a loopback port. Fix: ${fix}.`;
/** The edit for port 80 at line N: publish through HTTP_PORT instead. */
const throughHttpPort = (line: number) =>
  `write line ${line} as \`- "\${HTTP_PORT:-80}:80"\` (the deploy sets HTTP_PORT to that loopback address)`;

const GAPLESS_CASES: Record<string, GaplessCase> = {
  "our example app": { file: "ours",
    needs: { proxy: "nginx", health: "compose healthcheck", envFiles: [".env"], envFileToWrite: ".env", webPort: 8000,
      note: "web port 8000 (gunicorn's default)" } },
  "the rsync pipeline's file as-is (version, container_name, entrypoint script, build with dockerfile)": {
    file: "rsync-as-is.yml",
    refused: [
      {
        message:
          'rsync-as-is.yml:9: service "web": `container_name: web` fixes the container\'s name, so the second web container a switch starts cannot be created. Fix: delete line 9 `container_name: web`.',
        lineShows: "container_name: web",
      },
      {
        message: publishesEdgePort("rsync-as-is.yml:26", "nginx", 80, throughHttpPort(26)),
        lineShows: "- 80:80",
      },
    ],
  },
  "that file after the edit, with a proxy not named nginx": {
    file: "rsync-edited.yml",
    needs: { proxy: "proxy", health: "deploy probe", envFiles: [".env.prod"], envFileToWrite: ".env.prod",
      webPort: 8000, note: "proxy keeps `container_name: proxy`" },
  },
  "no version, the port only in expose, two env files, a proxy publishing 80 and 443 on the host": {
    file: "expose-env-list.yml",
    opts: { webService: "app" },
    needs: { proxy: "frontend", health: "deploy probe", envFiles: [".env.common", ".env.prod"],
      envFileToWrite: ".env.prod", webPort: 5000, note: "web port 5000, from `expose:` (line 6)" },
    refused: [
      {
        message: publishesEdgePort("expose-env-list.yml:14", "frontend", 80, throughHttpPort(14)),
        lineShows: '- "80:80"',
      },
      {
        message: publishesEdgePort("expose-env-list.yml:15", "frontend", 443,
          "delete line 15 `- 443:443` (TLS is the edge's job; the proxy publishes one port, through ${HTTP_PORT})"),
        lineShows: '- "443:443"',
      },
    ],
  },
  "the web service named differently than the setting": {
    file: "expose-env-list.yml",
    refused: [{
      message:
        'expose-env-list.yml:2: has no service "web" (the service that runs gunicorn); its services are app, frontend. Fix: set `compose-on-ec2:webService: app` in the stack settings if app is the service that runs gunicorn, or rename that service to web under `services:`.',
      lineShows: "services:",
    }],
  },
  "gunicorn published on the host with no proxy": {
    file: "web-published.yml",
    refused: [
      {
        message:
          'web-published.yml:7: service "web": publishes host port 8000 (`8000:8000`), which two web containers cannot both bind during a switch. Fix: delete line 7 `- 8000:8000` (and `ports:` if it is left empty); the proxy reaches web over the compose network, and `expose: ["8000"]` documents the port.',
        lineShows: '- "8000:8000"',
      },
      {
        message:
          'web-published.yml:2: has no proxy in front of web: no other service publishes through ${HTTP_PORT} or port 80 or 443. Fix: set `compose-on-ec2:proxyService` to the service that proxies to web (one of db_backup), or give it `ports: ["${HTTP_PORT:-80}:80"]`.',
        lineShows: "services:",
      },
    ],
  },
  "host networking": {
    file: "network-host.yml",
    opts: { proxyService: "nginx" },
    refused: [
      {
        message:
          'network-host.yml:4: service "web": `network_mode: host` takes web off the compose network: two containers would share one network stack and the proxy cannot reach them by the name "web". Fix: delete line 4 `network_mode: host` and have the proxy reach `web:<port>`.',
        lineShows: "network_mode: host",
      },
      {
        message:
          'network-host.yml:9: service "nginx": `network_mode: host` takes the proxy off the compose network, so it cannot reach web by name. Fix: delete line 9 and publish the proxy\'s port with `ports: ["${HTTP_PORT:-80}:80"]`.',
        lineShows: "network_mode: host",
      },
    ],
  },
  "a disabled healthcheck that nginx still waits on": {
    file: "healthcheck-disabled.yml",
    refused: [{
      message:
        'healthcheck-disabled.yml:16: service "nginx": waits for web to be `service_healthy`, but web has no enabled healthcheck, so compose refuses to start nginx. Fix: change line 16 to `condition: service_started`, or add a `healthcheck:` to web.',
      lineShows: "condition: service_healthy",
    }],
  },
  "web + redis + nginx + worker with depends_on conditions": {
    file: "web-redis-nginx-worker.yml",
    needs: { proxy: "nginx", health: "compose healthcheck", envFiles: [".env.prod"], envFileToWrite: ".env.prod",
      webPort: 8000, note: "web port 8000, from gunicorn's bind (line 13)" },
  },
  "shared settings through an extension field and merge keys": {
    file: "anchors.yml",
    opts: { webService: "django" },
    refused: [{
      message:
        'anchors.yml:15: service "django": `container_name: django` fixes the container\'s name, so the second django container a switch starts cannot be created. Fix: delete line 15 `container_name: django`.',
      lineShows: "container_name: django",
    }],
  },
  "an env file outside the app directory": {
    file: "host-only.yml",
    refused: [{
      message:
        'host-only.yml:15: service "web": `env_file: ../shared/.env` is outside the app directory, where the deployment writes the environment. Fix: change line 15 to `env_file: .env` (a path inside the app directory, relative to the compose file).',
      lineShows: "env_file: ../shared/.env",
    }],
  },
  "the proxy on another network than web": {
    file: "split-networks.yml",
    refused: [{
      message:
        'split-networks.yml:12: service "nginx": is on network(s) frontend and web on backend, so the proxy cannot reach web. Fix: add `- backend` under nginx\'s `networks:` (line 12).',
      lineShows: "networks:",
    }],
  },
  "a proxy setting naming a missing service": {
    file: "ours",
    opts: { proxyService: "ngnix" },
    refused: [{
      message:
        'app/docker-compose.prod.yml:4: has no service "ngnix" (the proxy in front of web); its services are web, nginx, worker, redis. Fix: set `compose-on-ec2:proxyService: nginx` in the stack settings if nginx is the proxy in front of web, or rename that service to ngnix under `services:`.',
      lineShows: "services:",
    }],
  },
  "a web port setting gunicorn does not bind": {
    file: "rsync-edited.yml",
    opts: { webPort: 8080 },
    refused: [{
      message:
        'rsync-edited.yml:11: service "web": gunicorn binds port 8000 but `compose-on-ec2:webPort` is 8080. Fix: set `compose-on-ec2:webPort: 8000`, or bind gunicorn to :8080 on line 11.',
      lineShows: "--bind 0.0.0.0:8000",
    }],
  },
};

describe("compose file: what the gapless switch needs", () => {
  for (const [name, c] of Object.entries(GAPLESS_CASES)) {
    it(`${c.refused ? "refuses" : "accepts"} ${name}`, () => {
      const f = analyseForGaplessSwitch(loadCompose(c.file), { webService: "web", ...c.opts });
      assert.deepStrictEqual(f.refusals, (c.refused ?? []).map((r) => r.message));
      for (const r of c.refused ?? []) {
        assert.ok(lineOf(r.message).includes(r.lineShows), `line cited by "${r.message}" is "${lineOf(r.message)}"`);
      }
      if (c.needs) {
        const { note, ...expected } = c.needs;
        assert.deepStrictEqual({ proxy: f.proxy, health: f.health, envFiles: f.envFiles,
          envFileToWrite: f.envFileToWrite, webPort: f.webPort }, expected);
        if (note) {
          assert.ok(f.notes.some((n) => n.includes(note)), `no note with "${note}" in ${JSON.stringify(f.notes)}`);
        }
      }
    });
  }

  it("reads gunicorn's bind from --bind=, -b and GUNICORN_CMD_ARGS, and the proxy by the port it publishes", () => {
    const model = (web: string) =>
      parseCompose(`services:\n  web:\n    build: .\n${web}\n  edge:\n    image: caddy:2\n    ports: ["8080:80"]\n`,
        "x.yml");
    const port = (web: string) => analyseForGaplessSwitch(model(web), { webService: "web" }).webPort;
    assert.strictEqual(port("    command: gunicorn app.wsgi --bind=0.0.0.0:9000"), 9000);
    assert.strictEqual(port('    command: ["sh", "-c", "python manage.py migrate && gunicorn app.wsgi -b :7000"]'),
      7000);
    assert.strictEqual(port("    environment:\n      GUNICORN_CMD_ARGS: --bind 0.0.0.0:6000 --workers 3"), 6000);
    assert.strictEqual(port('    expose: ["5000"]\n    command: gunicorn app.wsgi -b 0.0.0.0:5001'), 5001);
    assert.strictEqual(analyseForGaplessSwitch(model(""), { webService: "web" }).proxy, "edge");
  });

  it("accepts web ports without a host port and says why", () => {
    const f = analyseForGaplessSwitch(
      parseCompose(
        'services:\n  web:\n    build: .\n    ports: ["8000"]\n  nginx:\n    image: nginx\n    ports: ["${HTTP_PORT:-80}:80"]\n',
        "x.yml",
      ),
      { webService: "web" },
    );
    assert.deepStrictEqual(f.refusals, []);
    assert.ok(
      f.notes.includes(
        "web publishes container port 8000 without a host port (line 4): docker gives each container its own free host port, so it stays",
      ),
      JSON.stringify(f.notes),
    );
  });

  it("refuses two services publishing port 80 until the proxy is named", () => {
    const text =
      'services:\n  web:\n    build: .\n  nginx:\n    image: nginx\n    ports: ["${HTTP_PORT:-80}:80"]\n  traefik:\n    image: traefik\n    ports: ["${HTTP_PORT:-80}:443"]\n';
    assert.deepStrictEqual(analyseForGaplessSwitch(parseCompose(text, "x.yml"), { webService: "web" }).refusals, [
      "x.yml:1: has several services publishing port 80/443 (nginx, traefik), so the proxy is ambiguous. Fix: set `compose-on-ec2:proxyService` to the one that proxies to web.",
    ]);
    assert.deepStrictEqual(
      analyseForGaplessSwitch(parseCompose(text, "x.yml"), { webService: "web", proxyService: "traefik" }).refusals,
      [],
    );
  });
});
