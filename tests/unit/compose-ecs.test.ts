// The compose file translated to ECS on Fargate: containers, conditions, health timings, sizes and secrets,
// or refusals naming the file, service, line and fix. Pure: no mocks.
import * as assert from "assert";
import { composeToEcs, fargateTask, parseCompose } from "../../components/compose";
import { loadCompose } from "../support/compose";

describe("compose file: translation to ECS on Fargate", () => {
  const pushed = (service: string) => `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-${service}:r1`;

  it("translates our example app with the images the stack pushes", () => {
    const t = composeToEcs(loadCompose("ours"), { proxyService: "nginx", imageFor: pushed });
    // nginx's maintenance directory is a host path once `${MAINTENANCE_DIR:-./maintenance}` is resolved,
    // as compose resolves it (on ecs the load balancer takes nginx's place, so a real plan never translates it).
    assert.deepStrictEqual(t.errors, [
      'app/docker-compose.prod.yml:43: service "nginx": mounts host path ./maintenance (`./maintenance:/maintenance:ro`): Fargate tasks have no host filesystem. Fix: delete line 43; bake those files into the image (COPY in the Dockerfile), and keep data that must last in S3 or the database.',
    ]);
    const [web, nginx] = t.containers;
    assert.deepStrictEqual(web.definition.healthCheck, { command: ["CMD", "python3", "bin/healthcheck.py"], interval: 5,
      timeout: 5, retries: 3, startPeriod: 20 });
    assert.strictEqual(web.definition.stopTimeout, 30);
    assert.deepStrictEqual(web.envFiles, [".env"]);
    assert.strictEqual(nginx.loadBalancerPort, 80);
    assert.deepStrictEqual(nginx.dependencies.map((d) => [d.service, d.condition]), [["web", "HEALTHY"]]);
    const task = fargateTask(t, ["web", "nginx"]);
    assert.deepStrictEqual([task.cpu, task.memory], [256, 512]);
    assert.deepStrictEqual(
      task.containerDefinitions.map((d) => [d.name, d.image, (d as { dependsOn?: unknown }).dependsOn]),
      [
        ["web", pushed("web"), undefined],
        ["nginx", pushed("nginx"), [{ containerName: "web", condition: "HEALTHY" }]],
      ],
    );
    assert.throws(() => fargateTask(t, ["nginx"]),
      /app\/docker-compose.prod.yml:39: service "nginx": depends on web, which runs in another task/);
  });

  it("refuses our built services when nothing pushes their images", () => {
    assert.deepStrictEqual(composeToEcs(loadCompose("ours"), { proxyService: "nginx" }).errors, [
      'app/docker-compose.prod.yml:6: service "web": is built from source (`build:`) and its image "compose-on-ec2-web:dev" names no registry, so Fargate has nothing to pull. Fix: let the stack build and push it to ECR, or set `image:` to a registry image your CI pushes, e.g. `image: <account>.dkr.ecr.<region>.amazonaws.com/web:${RELEASE_ID}`.',
      'app/docker-compose.prod.yml:43: service "nginx": mounts host path ./maintenance (`./maintenance:/maintenance:ro`): Fargate tasks have no host filesystem. Fix: delete line 43; bake those files into the image (COPY in the Dockerfile), and keep data that must last in S3 or the database.',
      'app/docker-compose.prod.yml:30: service "nginx": is built from source (`build:`) and names no image, so Fargate has nothing to pull. Fix: let the stack build and push it to ECR, or set `image:` to a registry image your CI pushes, e.g. `image: <account>.dkr.ecr.<region>.amazonaws.com/nginx:${RELEASE_ID}`.',
    ]);
  });

  it("translates web + redis + nginx + worker: conditions, one-shot migration, health timings, sizes, secrets", () => {
    const t = composeToEcs(loadCompose("web-redis-nginx-worker.yml"), { proxyService: "nginx",
      env: { RELEASE_ID: "r7" } });
    assert.deepStrictEqual(t.errors, []);
    const by = Object.fromEntries(t.containers.map((c) => [c.service, c]));
    assert.deepStrictEqual([by.migrate.role, by.migrate.definition.essential, by.web.role], ["one-shot", false,
      "long-running"]);
    assert.deepStrictEqual(by.migrate.definition.command, ["python", "manage.py", "migrate", "--noinput"]);
    assert.strictEqual(by.web.definition.image, "registry.example.com/shop/web:r7");
    assert.deepStrictEqual(by.web.definition.command, ["gunicorn", "shop.wsgi:application", "--bind", "0.0.0.0:8000",
      "--graceful-timeout", "25"]);
    assert.deepStrictEqual(by.web.dependencies.map((d) => [d.service, d.condition]), [["migrate", "SUCCESS"], ["redis",
      "HEALTHY"]]);
    assert.deepStrictEqual(by.web.definition.healthCheck, {
      command: ["CMD-SHELL", "curl -fsS http://localhost:8000/healthz || exit 1"],
      interval: 90,
      timeout: 2,
      retries: 5,
      startPeriod: 40,
    });
    assert.ok(t.notes.includes("web: healthcheck timeout 500ms is outside ECS's 2–60 s; 2 s is used"));
    assert.strictEqual(by.web.definition.stopTimeout, 120);
    assert.deepStrictEqual([by.web.definition.cpu, by.web.definition.memory, by.web.definition.memoryReservation,
      by.web.task], [768, 1536, 512, { cpu: 1024, memory: 2048 }]);
    assert.strictEqual(by.web.replicas, 2);
    assert.deepStrictEqual(by.web.definition.environment, [
      { name: "DJANGO_SETTINGS_MODULE", value: "shop.settings.prod" },
      { name: "WEB_CONCURRENCY", value: "3" },
      { name: "ALLOWED_HOSTS", value: "localhost,127.0.0.1" },
    ]);
    assert.ok(
      t.notes.includes(
        "web: environment ALLOWED_HOSTS (line 22) takes the compose default of ${DOMAIN}, which the stack does not set",
      ),
      JSON.stringify(t.notes),
    );
    assert.deepStrictEqual(by.web.secretVariables, [
      { name: "DATABASE_URL", variable: "DATABASE_URL" },
      { name: "SECRET_KEY", variable: "DJANGO_SECRET_KEY", fallback: "insecure-dev-key" },
    ]);
    assert.deepStrictEqual([by.worker.definition.environment, by.worker.secretVariables], [[{ name: "C_FORCE_ROOT",
      value: "1" }], [{ name: "SENTRY_DSN", variable: "SENTRY_DSN" }]]);
    assert.deepStrictEqual(by.worker.dependencies.map((d) => [d.service, d.condition]), [["redis", "START"]]);
    assert.deepStrictEqual([by.worker.definition.linuxParameters, by.worker.task], [{ initProcessEnabled: true }, {
      cpu: 256,
      memory: 1024,
    }]);
    assert.deepStrictEqual([by.redis.definition.portMappings, by.redis.volumes], [[{ containerPort: 6379,
      protocol: "tcp" }], ["redis-data"]]);
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
      assert.deepStrictEqual(composeToEcs(loadCompose(c.file), { proxyService: c.proxyService }).errors, c.errors);
    });
  }

  it("lets the service the load balancer fronts keep its published port, and leaves profiled services out", () => {
    const text =
      'services:\n  web:\n    image: ghcr.io/acme/web:1\n    ports: ["8000:8000"]\n  debug:\n    image: busybox\n    profiles: [debug]\n';
    const t = composeToEcs(parseCompose(text, "x.yml"), { proxyService: "web" });
    assert.deepStrictEqual([t.errors, t.containers.map((c) => c.service), t.containers[0].loadBalancerPort], [[], [
      "web",
    ], 8000]);
  });
});
