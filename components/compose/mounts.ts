// What a compose file's mounts do across releases on the host, judged before any resource exists. Pure.
//
// Compose resolves a relative host path against the compose file's directory ("You can mount a
// relative path on the host, which expands relative to the directory of the Compose configuration
// file being used. Relative paths should always begin with . or ..": docs.docker.com/compose/compose-file/,
// services.volumes, short syntax). On the host that directory is the `active` link to one release,
// and Docker resolves the link when it creates the container: the mount is that release's directory.
// Checked here with compose 1.29: after a switch compose calls the proxy "up-to-date" (its config,
// the link's path, did not change), so it keeps serving the first release's files; once that release
// is pruned (keepReleases) the directory is empty, and what the app wrote there is gone with it.
//
// Refused (file, line, service, exact edit): a bind mount of a relative path that is a directory (or
// that the release does not ship, which Docker then creates as an empty directory), read-only or not
// → a named volume, which every release shares.
// Allowed, with a note: a read-only bind of a single file the release ships (`./nginx/default.conf:
// /etc/nginx/conf.d/default.conf:ro`). The mount holds the file itself, so a pruned release takes
// nothing away; but the container keeps the file of the release it was created from, so a change to
// it applies only when that service is recreated: COPY it into the image to have every change apply.
// Warned (a note): a redis or database service with no volume on its data directory: its state lives
// in the container (or an anonymous volume), lost when the container is recreated or the host replaced.

import { DB_CA } from "../layout";
import { Env, interpolatedVolumes, readEnvFiles, readEnvironmentEntries, readVolumes, VolumeMount } from "./fields";
import { ComposeModel, ComposeService, isMapping, lineAt, problem } from "./model";

/** What a path relative to the compose file's directory is in the app directory. */
export type PathKind = "file" | "directory" | "missing" | "unknown";

export interface MountOptions {
  /** Values for `${VAR}` references; the deploy's own variables (MAINTENANCE_DIR) are absolute host paths. */
  env?: Env;
  /** What a relative path (from the compose file's directory, normalised, no leading ./) is in the app directory. */
  kindOf?: (relativePath: string) => PathKind;
}

export interface MountFindings {
  notes: string[];
  refusals: string[];
}

/** Variables the deploy sets to absolute host paths before compose reads the file (host/release/deploy.sh). */
const DEPLOY_PATH_VARIABLES = { MAINTENANCE_DIR: "/compose-on-ec2/maintenance",
  [DB_CA.hostDirVariable]: "/compose-on-ec2/db-ca" };

/** Stateful images: their data directory in the official image (Docker Hub's image docs). */
const STATEFUL_IMAGES: { pattern: RegExp; kind: string; dataDir: string }[] = [
  { pattern: /^(?:.*\/)?(?:redis|valkey|keydb)(?::|@|$)/, kind: "redis", dataDir: "/data" },
  { pattern: /^(?:.*\/)?(?:postgres|postgis)(?::|@|$)/, kind: "database", dataDir: "/var/lib/postgresql/data" },
  { pattern: /^(?:.*\/)?(?:mysql|mariadb|percona)(?::|@|$)/, kind: "database", dataDir: "/var/lib/mysql" },
  { pattern: /^(?:.*\/)?(?:mongo|mongodb)(?::|@|$)/, kind: "database", dataDir: "/data/db" },
];

export function analyseMounts(model: ComposeModel, opts: MountOptions = {}): MountFindings {
  const env: Env = { ...DEPLOY_PATH_VARIABLES, ...opts.env };
  const kindOf = opts.kindOf ?? (() => "unknown" as PathKind);
  const notes: string[] = [];
  const refusals: string[] = [];
  for (const s of model.services) {
    for (const m of readVolumes(interpolatedVolumes(s.spec.volumes, env))) {
      if (m.type !== "bind" || m.source === undefined || !isRelative(m.source)) continue;
      const line = lineAt(model, ["services", s.name, "volumes", m.index]);
      const relative = normalise(m.source);
      const kind = kindOf(relative);
      if (m.readOnly && (kind === "file" || kind === "unknown")) {
        notes.push(
          `${s.name} binds the release's file ${m.source} read-only (line ${line}): it keeps the file of the release it was created from, so a change to it applies only when ${s.name} is recreated; COPY it into ${s.name}'s image to have every release's copy apply`,
        );
        continue;
      }
      refusals.push(relativeBindRefusal(model, s, m, line, kind));
    }
    const stateful = statefulImage(s);
    if (stateful && !hasVolumeOn(s, stateful.dataDir, env)) {
      notes.push(
        `warning: ${s.name} (${stateful.kind}, line ${s.line}) has no volume on ${stateful.dataDir}: its data lives in the container, lost when it is recreated or the host is replaced; add \`- ${s.name}_data:${stateful.dataDir}\` under its \`volumes:\` and \`${s.name}_data:\` under the top-level \`volumes:\``,
      );
    }
  }
  return { notes, refusals };
}

function relativeBindRefusal(model: ComposeModel, s: ComposeService, m: VolumeMount, line: number,
  kind: PathKind): string {
  const name = volumeName(m.source as string);
  const declared = isMapping(model.volumes) && name in model.volumes;
  const what = kind === "missing"
    ? `\`${m.text}\` binds ${m.source}, which the release does not ship: Docker creates it as an empty directory inside that release (the \`active\` link is resolved when the container is created), so whatever ${s.name} writes there is deleted when the release is pruned (keepReleases)`
    : `\`${m.text}\` binds the release's directory ${m.source} (the \`active\` link is resolved when the container is created): after a switch ${s.name} keeps the first release's files, and once that release is pruned (keepReleases) the mount is empty and whatever was written there is gone`;
  const target = m.readOnly ? `${m.target}:ro` : m.target;
  const declare = declared
    ? `(\`${name}:\` is already under the top-level \`volumes:\`)`
    : `and add \`${name}:\` under the top-level \`volumes:\``;
  const fill = kind === "missing"
    ? ""
    : `; have the service that owns these files fill it (e.g. web's collectstatic into the same volume) rather than shipping them as a directory of the release`;
  const edit = m.text.startsWith("{")
    ? `make the entry at line ${line} \`type: volume\` with \`source: ${name}\``
    : `write line ${line} as \`- ${name}:${target}\``;
  return problem(model.file, line, s.name, what, `${edit} ${declare}: a named volume outlives every release${fill}`);
}

/** The `volumes:` entry that mounts the database's CA bundle (the deploy sets the variable; ecs: db-login's task volume). */
export const DB_CA_VOLUME_ENTRY = `\${${DB_CA.hostDirVariable}:-./db-ca}:${DB_CA.mount}:ro`;

/**
 * Every service that reads DATABASE_URL (its env_file names the file the deployment writes, or its
 * `environment:` names DATABASE_URL) must mount the database's CA bundle where the URL's sslrootcert /
 * ssl-ca names it (`- ${DB_CA_DIR}:/db-ca:ro`): without it the app cannot verify the database's
 * certificate and never connects. Refusals name the file, line, service and the line to add.
 */
export function analyseDbCaMounts(model: ComposeModel, envFile: string, env: Env = {}): string[] {
  const wanted = normalise(envFile);
  const mountLine = `- ${DB_CA_VOLUME_ENTRY}`;
  return model.services.filter((s) => readsDatabaseUrl(s, wanted)).filter((s) =>
    !readVolumes(interpolatedVolumes(s.spec.volumes, { ...DEPLOY_PATH_VARIABLES, ...env })).some((m) =>
      m.target.replace(/\/+$/, "") === DB_CA.mount
    )
  ).map((s) => {
    const volumes = Array.isArray(s.spec.volumes) ? s.spec.volumes : [];
    const fix = volumes.length > 0
      ? `after line ${
        lineAt(model, ["services", s.name, "volumes", volumes.length - 1])
      }, add \`${mountLine}\` to ${s.name}'s \`volumes:\``
      : `after line ${s.line}, add \`volumes: ["${mountLine.slice(2)}"]\` to ${s.name}`;
    return problem(model.file, s.line, s.name,
      `reads DATABASE_URL, which verifies the database's certificate against ${DB_CA.mount}/${DB_CA.file}, but does not mount ${DB_CA.mount}`,
      `${fix} (the deploy sets ${DB_CA.hostDirVariable})`);
  });
}

/**
 * A service reads DATABASE_URL when its env_file is the file the deployment writes, or its
 * `environment:` names DATABASE_URL or takes its value (`DB: ${DATABASE_URL}`: compose interpolates it
 * from that file; ecs hands it the same secret under that name: components/config/ecsTask.ts).
 */
function readsDatabaseUrl(s: ComposeService, envFile: string): boolean {
  return readEnvironmentEntries(s.spec.environment).some((e) =>
    e.name === "DATABASE_URL" || /\$\{?DATABASE_URL\b/.test(e.value ?? "")
  ) || readEnvFiles(s.spec.env_file).some((e) => normalise(e.path) === envFile);
}

/** A host path compose resolves against the compose file's directory (not absolute, not ~). */
function isRelative(source: string): boolean {
  return source !== "" && !source.startsWith("/") && !source.startsWith("~");
}

function normalise(source: string): string {
  const parts: string[] = [];
  for (const part of source.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return parts.join("/");
}

/** A volume name from the path's last segment ([a-zA-Z0-9][a-zA-Z0-9_.-]*, compose's rule for names). */
export function volumeName(source: string): string {
  const last = normalise(source).split("/").pop() ?? "";
  const name = last.replace(/[^a-zA-Z0-9_.-]/g, "_").replace(/^[^a-zA-Z0-9]+/, "");
  return name || "data";
}

function statefulImage(s: ComposeService): (typeof STATEFUL_IMAGES)[number] | undefined {
  const image = typeof s.spec.image === "string" ? s.spec.image : "";
  return STATEFUL_IMAGES.find((x) => x.pattern.test(image));
}

/** Whether a named volume or a host path is mounted on the data directory (or a parent of it). */
function hasVolumeOn(s: ComposeService, dataDir: string, env: Env): boolean {
  return readVolumes(interpolatedVolumes(s.spec.volumes, env)).some((m) =>
    m.source !== undefined && (m.type === "volume" || m.type === "bind")
    && (dataDir === m.target.replace(/\/+$/, "") || dataDir.startsWith(`${m.target.replace(/\/+$/, "")}/`))
  );
}
