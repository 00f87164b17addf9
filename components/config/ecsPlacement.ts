// Where each service of the compose file goes on ecs, decided while the settings are read: web's
// task (web and what it depends on), a service of its own (workers, beat), a managed service in its
// place (the cache, the database), the load balancer's place (the proxy), or refused with the reason.
// Pure; components/config/ecsTask.ts shapes the tasks from what this places.
import { readDependsOn } from "../compose/fields";
import { ComposeModel, ComposeService, isMapping, problem } from "../compose/model";
import type { EcsFate, EcsServiceFate } from "../compose/serviceFates";
import type { EcsTaskInput } from "./types";

/** An image's name without registry, path and tag: "docker.io/library/redis:7-alpine" → "redis". */
function imageBaseName(image: string): string {
  return (image.split("@")[0].split("/").pop() ?? "").split(":")[0];
}
const CACHE_IMAGES = ["redis", "valkey", "redis-stack", "redis-stack-server", "keydb"];
const DATABASE_IMAGES = ["postgres", "postgis", "mysql", "mariadb"];

/** A worker is built from web's build, or runs web's image, with a command of its own. */
export function isWorkerOf(service: ComposeService, web: ComposeService): boolean {
  if (service.name === web.name) return false;
  const sameBuild = service.spec.build !== undefined
    && JSON.stringify(service.spec.build) === JSON.stringify(web.spec.build);
  const sameImage = service.spec.image !== undefined && service.spec.image === web.spec.image;
  return sameBuild || sameImage;
}

/** A scheduler that must run once (celery beat): a worker whose command names `beat`. */
export function isScheduler(service: ComposeService): boolean {
  const command = service.spec.command ?? service.spec.entrypoint;
  const words = typeof command === "string" ? command.split(/\s+/) : Array.isArray(command) ? command.map(String) : [];
  return words.includes("beat");
}

/**
 * What ecs does with each service outside web's task. A redis service becomes the managed cache
 * (cache: redis) or is refused; a database service is the stack's RDS; web's build or image with its
 * own command is a worker (beat: a single task); a published proxy gives way to the load balancer;
 * anything else is refused with the reason, so nothing is left out without the plan saying so.
 */
export function ecsFateOf(service: ComposeService, web: ComposeService,
  input: Pick<EcsTaskInput, "cache" | "webService" | "proxyService" | "minTasks" | "maxTasks">): EcsFate {
  const image = typeof service.spec.image === "string" ? imageBaseName(service.spec.image) : "";
  if (CACHE_IMAGES.includes(image)) {
    return input.cache
      ? { kind: "managed", by: "cache" }
      : { kind: "refused",
        reason:
          `a ${image} container on Fargate loses its data whenever its task is replaced, and nothing else in the VPC finds it by name`,
        fix: "set compose-on-ec2:cache to redis (ElastiCache replaces it; the app gets REDIS_URL)" };
  }
  if (DATABASE_IMAGES.includes(image)) return { kind: "managed", by: "database" };
  if (isWorkerOf(service, web)) {
    if (isScheduler(service)) return { kind: "singleton-service" };
    const replicas = isMapping(service.spec.deploy) && typeof service.spec.deploy.replicas === "number"
      ? service.spec.deploy.replicas
      : 1;
    return { kind: "worker-service", minTasks: replicas, maxTasks: Math.max(replicas, input.maxTasks) };
  }
  if (service.name === input.proxyService || service.spec.ports !== undefined) {
    return { kind: "replaced-by-load-balancer" };
  }
  return {
    kind: "refused",
    reason:
      `ecs runs ${input.webService}, the services built from its image (workers, beat) and replaces the proxy, redis and databases with managed ones; ${service.name} is none of these`,
    fix: "remove it from the compose file, or run it outside this stack",
  };
}

/** The model without some services, and without depends_on entries naming them. */
function withoutServices(model: ComposeModel, names: string[]): ComposeModel {
  const services = model.services.filter((s) => !names.includes(s.name)).map((s) => {
    const deps = s.spec.depends_on;
    if (deps === undefined) return s;
    const kept = Array.isArray(deps)
      ? deps.filter((d) => !names.includes(String(d)))
      : isMapping(deps)
      ? Object.fromEntries(Object.entries(deps).filter(([k]) => !names.includes(k)))
      : deps;
    return { ...s, spec: { ...s.spec, depends_on: kept } };
  });
  return { ...model, services };
}

/** web and every service it depends on, transitively (ECS orders containers only within one task). */
export function taskServices(model: ComposeModel, web: string): string[] {
  const out: string[] = [];
  const visit = (name: string) => {
    if (out.includes(name)) return;
    out.push(name);
    const service = model.services.find((s) => s.name === name);
    for (const dep of readDependsOn(service?.spec.depends_on)) visit(dep.service);
  };
  visit(web);
  return out;
}

/**
 * Where each service of the compose file goes on ecs: managed services (the cache, the database) and
 * refused ones leave the model first (web's depends_on on them is met outside compose); the rest run
 * in web's task, as services of their own (workers, beat), or not at all (the load balancer's place).
 */
export function placeServices(composed: ComposeModel, webSpec: ComposeService, input: EcsTaskInput) {
  const fatesOutside = new Map(
    composed.services.filter((s) => s.name !== input.webService).map((s) => [s.name, ecsFateOf(s, webSpec, input)]),
  );
  const managed = [...fatesOutside].filter(([, f]) => f.kind === "managed" || f.kind === "refused").map(([n]) => n);
  const refusals = [...fatesOutside].flatMap((
    [n, f],
  ) => (f.kind === "refused"
    ? [
      problem(input.file, composed.services.find((s) => s.name === n)!.line, n, `cannot run on ecs: ${f.reason}`,
        f.fix),
    ]
    : [])
  );
  const order = composed.services.map((s) => s.name);
  const model = withoutServices(composed, managed);
  const services = taskServices(model, input.webService);
  const notes = model.services.filter((s) =>
    !services.includes(s.name) && fatesOutside.get(s.name)?.kind === "replaced-by-load-balancer"
  ).map((s) => `${s.name} is left out: the load balancer takes its place in front of ${input.webService}`);
  for (const [name, f] of fatesOutside) {
    if (f.kind === "managed") {
      notes.push(
        `${name} is replaced by the stack's ${
          f.by === "cache" ? "managed cache (REDIS_URL)" : "RDS database (DATABASE_URL)"
        }`,
      );
    }
  }
  const workerNames = model.services.filter((s) =>
    !services.includes(s.name) && ["worker-service", "singleton-service"].includes(fatesOutside.get(s.name)?.kind ?? "")
  ).map((s) => s.name);
  return { model, fatesOutside, managed, refusals, order, services, notes, workerNames };
}

/** Every service's fate on ecs: web's service, a container of web's task, or what placeServices decided. */
export function serviceFates(model: ComposeModel, input: EcsTaskInput, services: string[],
  fatesOutside: Map<string, EcsFate>, managed: string[]): EcsServiceFate[] {
  const fates: EcsServiceFate[] = model.services.map((s): EcsServiceFate => ({
    service: s.name,
    ecs: s.name === input.webService
      ? { kind: "web-service", minTasks: input.minTasks, maxTasks: input.maxTasks }
      : services.includes(s.name)
      ? { kind: "in-web-task" }
      : fatesOutside.get(s.name)!,
  }));
  for (const name of managed) fates.push({ service: name, ecs: fatesOutside.get(name)! });
  return fates;
}
