// The port gunicorn listens on inside the web container: the webPort setting, else gunicorn's bind
// in command/entrypoint (or GUNICORN_CMD_ARGS), else the first `expose:`, else gunicorn's default.
import { type Env, firstPort, interpolate, shellWords } from "./fields";
import { type ComposeModel, type ComposeService, isMapping, lineAt, problem, SETTING_PREFIX } from "./model";

/** Gunicorn's port when its bind names none, and the port assumed when nothing names one. */
export const DEFAULT_WEB_PORT = 8000;

export function chooseWebPort(model: ComposeModel, web: ComposeService, setting: number | undefined, env: Env,
  notes: string[], refusals: string[]): number {
  const at = (...path: (string | number)[]) => lineAt(model, ["services", web.name, ...path]);
  const bind = gunicornBind(web, env);
  const exposed = (Array.isArray(web.spec.expose) ? web.spec.expose : []).map((e) =>
    firstPort(interpolate(String(e), env))
  ).filter((p): p is number => p !== undefined);
  if (bind?.port !== undefined && exposed.length > 0 && !exposed.includes(bind.port)) {
    notes.push(
      `${web.name} exposes ${exposed.join(", ")} (line ${at("expose")}) but gunicorn binds ${bind.port} (line ${
        at(bind.key)
      }): the port gunicorn binds is used`,
    );
  }
  if (bind?.port === undefined && bind?.socket) {
    notes.push(
      `gunicorn binds a unix socket (line ${
        at(bind.key)
      }): the deploy probe checks the web port instead; set \`${SETTING_PREFIX}webPort\` if the default does not fit`,
    );
  }
  if (setting !== undefined) {
    if (bind?.port !== undefined && bind.port !== setting) {
      refusals.push(
        problem(model.file, at(bind.key), web.name,
          `gunicorn binds port ${bind.port} but \`${SETTING_PREFIX}webPort\` is ${setting}`,
          `set \`${SETTING_PREFIX}webPort: ${bind.port}\`, or bind gunicorn to :${setting} on line ${at(bind.key)}`),
      );
    }
    notes.push(`web port ${setting}, from the webPort setting`);
    return setting;
  }
  if (bind?.port !== undefined) {
    notes.push(`web port ${bind.port}, from gunicorn's bind (line ${at(bind.key)})`);
    return bind.port;
  }
  if (exposed.length > 0) {
    notes.push(
      `web port ${exposed[0]}, from \`expose:\` (line ${at("expose")})${
        exposed.length > 1 ? `, the first of ${exposed.join(", ")}` : ""
      }`,
    );
    return exposed[0];
  }
  notes.push(
    `web port ${DEFAULT_WEB_PORT} (gunicorn's default): neither \`expose:\` nor a gunicorn \`--bind\` in \`command:\` names one; set \`${SETTING_PREFIX}webPort\` if ${web.name} listens elsewhere`,
  );
  return DEFAULT_WEB_PORT;
}

/** Gunicorn's `--bind`/`-b` address in command/entrypoint (or GUNICORN_CMD_ARGS), if written there. */
function gunicornBind(web: ComposeService, env: Env): { key: string; port?: number; socket: boolean } | undefined {
  const sources: [string, unknown][] = [["command", web.spec.command], ["entrypoint", web.spec.entrypoint], [
    "environment",
    gunicornArgs(web.spec.environment),
  ]];
  for (const [key, value] of sources) {
    if (value === undefined || value === null) continue;
    const text = interpolate(Array.isArray(value) ? value.map(String).join(" ") : String(value), env);
    if (key !== "environment" && !/gunicorn/.test(text)) continue;
    const words = shellWords(text) ?? text.split(/\s+/);
    const i = words.findIndex((w) => w === "-b" || w === "--bind" || w.startsWith("--bind=") || /^-b\S/.test(w));
    if (i < 0) continue;
    const w = words[i];
    const address = w === "-b" || w === "--bind" ? (words[i + 1] ?? "") : w.replace(/^--bind=|^-b/, "");
    if (address.startsWith("unix:") || address.startsWith("fd://")) return { key, socket: true };
    const m = /:(\d+)$/.exec(address);
    return { key, port: m ? Number(m[1]) : DEFAULT_WEB_PORT, socket: false };
  }
  return undefined;
}

function gunicornArgs(environment: unknown): string | undefined {
  if (isMapping(environment)) {
    return environment.GUNICORN_CMD_ARGS === undefined ? undefined : String(environment.GUNICORN_CMD_ARGS);
  }
  if (Array.isArray(environment)) {
    const entry = environment.map(String).find((e) => e.startsWith("GUNICORN_CMD_ARGS="));
    return entry?.slice("GUNICORN_CMD_ARGS=".length);
  }
  return undefined;
}
