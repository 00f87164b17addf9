// What a deploy does with each service of the compose file (components/compose/serviceFates.ts):
// which services are workers (built from web's build or image, or named in workerServices), their
// stop_grace_period, the settings' refusals, the deploy's --worker-services flag, and the plan's
// per-service table, which names every service of the file.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseConfig, StackConfig } from "../../components/config";
import { parseCompose } from "../../components/compose/model";
import { DEFAULT_STOP_GRACE_SECONDS, serviceFates, stopGraceSeconds,
  workerServices } from "../../components/compose/serviceFates";
import { deployCommand } from "../../components/remote";
import { planFor, PlanResult } from "../../scripts/lib/plan/run";
import { renderJson, renderText } from "../../scripts/plan";
import { testRemoteSpec } from "../support/fixtures";
import { problemsOfParse } from "./configProblems";

const ROOT = path.join(__dirname, "..", "..");
const files = { fileExists: (p: string) => fs.existsSync(path.join(ROOT, p)),
  readFile: (p: string) => fs.readFileSync(path.join(ROOT, p), "utf8") };
const parse = (raw: Record<string, unknown>): StackConfig =>
  parseConfig(raw, { project: "compose-on-ec2", stack: "dev", region: "us-east-1", ...files });

const CELERY = `
services:
  web:
    build:
      context: .
    image: shop-web:\${RELEASE_ID:-dev}
  celery:
    build: .
    command: celery -A shop worker
    stop_grace_period: 1m30s
  beat:
    image: shop-web:\${RELEASE_ID:-dev}
    command: celery -A shop beat
  mailer:
    build: ./mailer
  redis:
    image: redis:7
  nginx:
    build: ./nginx
    ports: ["\${HTTP_PORT:-80}:80"]
`;

describe("service fates: workers are found, and every service has a defined fate", () => {
  const model = parseCompose(CELERY, "docker-compose.prod.yml");

  it("finds the services built from web's build (short or long form) or running web's image, and no other", () => {
    assert.deepStrictEqual(workerServices(model, "web", "nginx"), ["celery", "beat"]);
  });

  it("adds the services the workerServices setting names, in the file's order", () => {
    assert.deepStrictEqual(workerServices(model, "web", "nginx", ["mailer"]), ["celery", "beat", "mailer"]);
  });

  it("never calls web or its proxy a worker, even when the proxy is built like web", () => {
    const same = parseCompose("services:\n  web:\n    build: .\n  proxy:\n    build: .\n", "c.yml");
    assert.deepStrictEqual(workerServices(same, "web", "proxy"), []);
  });

  it("reads stop_grace_period as compose does, and compose's 10 s when it is unset or unreadable", () => {
    const byName = (name: string) => model.services.find((s) => s.name === name)!;
    assert.strictEqual(stopGraceSeconds(byName("celery")), 90);
    assert.strictEqual(stopGraceSeconds(byName("beat")), DEFAULT_STOP_GRACE_SECONDS);
    assert.strictEqual(DEFAULT_STOP_GRACE_SECONDS, 10);
  });

  it("gives every service of the file one ec2 fate: web switched, proxy reloaded, workers restarted after the switch, the rest left alone when unchanged", () => {
    const fates = serviceFates(model, { webService: "web", proxyService: "nginx", workers: ["celery", "beat"] });
    assert.deepStrictEqual(fates.map((f) => [f.service, f.ec2.role]), [
      ["web", "web"],
      ["celery", "worker"],
      ["beat", "worker"],
      ["mailer", "other"],
      ["redis", "other"],
      ["nginx", "proxy"],
    ]);
    assert.match(fates[1].ec2.text,
      /restarted after web has switched, one replica at a time \(SIGTERM, up to 90s stop_grace_period/);
    assert.match(fates[0].ec2.text, /switched gaplessly/);
    assert.match(fates[4].ec2.text, /left alone when unchanged/);
  });
});

describe("service fates in the settings and the deploy's command line", () => {
  it("finds the example app's worker, and passes it to the deploy as --worker-services", () => {
    const app = parse({}).app;
    assert.deepStrictEqual(app.workerServices, ["worker"]);
    assert.deepStrictEqual(app.serviceFates.map((f) => `${f.service}:${f.ec2.role}:${f.ec2.stopGraceSeconds}`), [
      "web:web:30",
      "nginx:proxy:10",
      "worker:worker:60",
      "redis:other:10",
    ]);
    assert.match(deployCommand(testRemoteSpec({ workerServices: ["worker", "beat"] }), "a".repeat(64)),
      / '--worker-services' 'worker beat' /);
  });

  it("refuses a workerServices entry that is no service of the file, or that is web or the proxy", () => {
    assert.deepStrictEqual(
      problemsOfParse(() => parse({ workerServices: '["celery","web","nginx"]' }),
        "workerServices naming celery, web and nginx"),
      [
        'compose-on-ec2:workerServices = "celery": is not a service of app/docker-compose.prod.yml (it defines web, nginx, worker, redis). Fix: list only services of the compose file that run background jobs, e.g. worker',
        'compose-on-ec2:workerServices = "web": is the web service (webService), which the deploy switches itself. Fix: remove "web" from workerServices',
        'compose-on-ec2:workerServices = "nginx": is the proxy (proxyService), which the deploy switches itself. Fix: remove "nginx" from workerServices',
      ],
    );
  });
});

describe("plan: what a deploy does with every service of the compose file", function() {
  this.timeout(120000);
  let dev: PlanResult;
  before(async () => {
    dev = await planFor("dev");
  });

  it("prints one line per service of the compose file, none left out", () => {
    const text = renderText(dev);
    const compose = parseCompose(fs.readFileSync(path.join(ROOT, "app", "docker-compose.prod.yml"), "utf8"),
      "app/docker-compose.prod.yml");
    assert.match(text, /^Services \(what a deploy does with each of the 4\):$/m);
    for (const s of compose.services) assert.match(text, new RegExp(`^ {2}${s.name} +ec2: `, "m"), s.name);
    assert.match(text,
      /^ {2}worker +ec2: worker: restarted after web has switched, one replica at a time \(SIGTERM, up to 60s stop_grace_period/m);
    assert.match(text, /^ {2}redis +ec2: left alone when unchanged/m);
  });

  it("gives the same table in --json, under services", () => {
    const doc = JSON.parse(renderJson(dev)) as { services: { service: string; ec2: { role: string } }[] };
    assert.deepStrictEqual(doc.services.map((s) => `${s.service}:${s.ec2.role}`), ["web:web", "nginx:proxy",
      "worker:worker", "redis:other"]);
  });
});
