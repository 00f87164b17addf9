// The compose → ECS translation, what a container is made of: its image, command, environment, ports
// and volumes, read from one service (refusals and notes go to the context; components/compose/ecs.ts).
import { asList, commandWords, interpolate, interpolatedVolumes, readEnvironmentEntries, readPorts, readVolumes,
  referencedVariables } from "./fields";
import { problem, SETTING_PREFIX } from "./model";
import type { Ctx, EcsContainerDefinition, SecretVariable } from "./ecsTypes";
import { DB_CA } from "../layout";

/** A built service needs an image in a registry; otherwise `image:` as written. */
export function readImage(ctx: Ctx): string {
  const { service } = ctx;
  const supplied = ctx.opts.imageFor?.(service.name);
  if (supplied !== undefined) return supplied;
  const image = service.spec.image === undefined ? undefined : interpolate(String(service.spec.image), ctx.env);
  if (service.spec.build !== undefined) {
    if (image !== undefined && isRegistryImage(image)) return image;
    const what = image === undefined
      ? "is built from source (`build:`) and names no image"
      : `is built from source (\`build:\`) and its image "${image}" names no registry`;
    ctx.refuse(["build"], `${what}, so Fargate has nothing to pull`,
      `let the stack build and push it to ECR, or set \`image:\` to a registry image your CI pushes, e.g. \`image: <account>.dkr.ecr.<region>.amazonaws.com/${service.name}:\${RELEASE_ID}\``);
    return image ?? "";
  }
  if (image === undefined || image === "") {
    ctx.refuse([], "has neither `image:` nor `build:`",
      `add \`image:\` (e.g. \`image: redis:7\`) under ${service.name}`);
  }
  return image ?? "";
}

/** Docker's rule: the first path component names a registry when it has a dot, a port, or is localhost. */
export function isRegistryImage(image: string): boolean {
  const first = image.split("/")[0];
  return image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
}

export function readCommand(ctx: Ctx, key: "command" | "entrypoint"): string[] | undefined {
  const value = ctx.service.spec[key];
  if (value === undefined || value === null) return undefined;
  const words = commandWords(
    typeof value === "string" ? interpolate(value, ctx.env) : asList(value).map((w) => interpolate(String(w), ctx.env)),
  );
  if (words === undefined) {
    ctx.refuse([key], `\`${key}:\` has an unclosed quote`, `close the quote on line ${ctx.at(key)}`);
  }
  return words;
}

/**
 * environment (list or map). A value whose variables opts.env sets is written as is. A value that is
 * one `${VAR}` the stack does not pass in opts.env (or `VAR` with no value) becomes a secret the
 * caller supplies from the stack's environment (`fallback`: its compose default, if any). Text mixed
 * with such variables takes their defaults (with a note), and is refused when one has none.
 */
export function readEnvironment(ctx: Ctx): { plain: { name: string; value: string }[]; secret: SecretVariable[] } {
  const entries = readEnvironmentEntries(ctx.service.spec.environment).map((e) =>
    [e.name, e.value, ctx.at("environment", e.key)] as const
  );
  const plain: { name: string; value: string }[] = [];
  const secret: SecretVariable[] = [];
  for (const [name, value, line] of entries) {
    if (value === undefined) {
      secret.push({ name, variable: name });
      continue;
    }
    const unknown = referencedVariables(value).filter((v) => ctx.env[v] === undefined);
    const whole = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}$|^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(value);
    if (unknown.length === 0) {
      plain.push({ name, value: interpolate(value, ctx.env) });
    } else if (whole) {
      secret.push({ name, variable: whole[1] ?? whole[5], ...(whole[3] === "-" ? { fallback: whole[4] } : {}) });
    } else if (unknown.every((v) => new RegExp(`\\$\\{${v}:?-`).test(value))) {
      plain.push({ name, value: interpolate(value, ctx.env) });
      ctx.notes.push(
        `${ctx.service.name}: environment ${name} (line ${line}) takes the compose default of \${${
          unknown.join("}, ${")
        }}, which the stack does not set`,
      );
    } else {
      ctx.errors.push(
        problem(ctx.model.file, line, ctx.service.name,
          `environment ${name} mixes text with \${${unknown.join("}, ${")}}, which only the deploying shell knows`,
          `put the whole ${name}=… line in the env file (its entries become ECS secrets) and delete line ${line}`),
      );
    }
  }
  return { plain, secret };
}

export function readPortMappings(
  ctx: Ctx,
): { mappings: EcsContainerDefinition["portMappings"]; loadBalancerPort?: number } {
  const { service } = ctx;
  const isProxy = ctx.opts.proxyService === service.name;
  const seen = new Map<string, { containerPort: number; protocol: "tcp" | "udp" }>();
  const add = (target: string, protocol: string) => {
    const port = Number(/^\d+/.exec(target)?.[0]);
    if (Number.isInteger(port) && port > 0) {
      seen.set(`${port}/${protocol}`, { containerPort: port, protocol: protocol === "udp" ? "udp" : "tcp" });
    }
  };
  let loadBalancerPort: number | undefined;
  for (const p of readPorts(service.spec.ports, ctx.env)) {
    add(p.target, p.protocol);
    if (p.published === undefined) continue;
    if (isProxy) {
      if (loadBalancerPort === undefined || p.published === "80" || p.target === "80") {
        loadBalancerPort = Number(/^\d+/.exec(p.target)?.[0]);
      }
      continue;
    }
    const fix = `delete line ${ctx.at("ports", p.index)} \`- ${p.text}\`; other services reach it inside the VPC${
      ctx.opts.proxyService === undefined
        ? `, and if it receives the site's traffic, set \`${SETTING_PREFIX}proxyService: ${service.name}\``
        : ""
    }`;
    ctx.refuse(["ports", p.index],
      `publishes host port ${p.published} (\`${p.text}\`): on ECS only the load balancer${
        ctx.opts.proxyService ? `, in front of ${ctx.opts.proxyService},` : ""
      } is reachable from outside`, fix);
  }
  for (const e of asList(service.spec.expose)) add(interpolate(String(e), ctx.env), String(e).split("/")[1] ?? "tcp");
  return { mappings: [...seen.values()], loadBalancerPort };
}

export function readMounts(ctx: Ctx): { mountPoints: EcsContainerDefinition["mountPoints"]; volumes: string[] } {
  const mountPoints: EcsContainerDefinition["mountPoints"] = [];
  for (const v of readVolumes(interpolatedVolumes(ctx.service.spec.volumes, ctx.env))) {
    const line = ctx.at("volumes", v.index);
    if (v.target.replace(/\/+$/, "") === DB_CA.mount) {
      // The database's CA bundle (ec2: a host directory): the task volume its db-login container fills.
      mountPoints.push({ sourceVolume: DB_CA.ecsVolume, containerPath: DB_CA.mount, readOnly: true });
      ctx.notes.push(
        `${ctx.service.name}: ${DB_CA.mount} (line ${line}) is the task volume ${DB_CA.ecsVolume}, where the task's db-login container puts the database's CA bundle`,
      );
    } else if (v.type === "bind") {
      ctx.refuse(["volumes", v.index],
        `mounts host path ${v.source} (\`${v.text}\`): Fargate tasks have no host filesystem`,
        `delete line ${line}; bake those files into the image (COPY in the Dockerfile), and keep data that must last in S3 or the database`);
    } else if (v.type !== "volume") {
      ctx.refuse(["volumes", v.index],
        `mounts a ${v.type === "tmpfs" ? "tmpfs" : "volume type"} Fargate does not provide (\`${v.text}\`)`,
        `delete line ${line} or use a named volume`);
    } else {
      const sourceVolume = v.source ?? `${ctx.service.name}-anonymous-${v.index}`;
      mountPoints.push({ sourceVolume, containerPath: v.target, readOnly: v.readOnly });
      ctx.notes.push(
        `${ctx.service.name}: volume ${sourceVolume} at ${v.target} (line ${line}) becomes a task volume, shared by the containers of one task and emptied when the task stops`,
      );
    }
  }
  return { mountPoints, volumes: mountPoints.map((m) => m.sourceVolume) };
}
