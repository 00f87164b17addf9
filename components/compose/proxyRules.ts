// The gapless switch's rules about the proxy in front of web (components/compose/gapless.ts runs
// them): which service it is, that it reaches web by name, and that it publishes exactly one port,
// through \${HTTP_PORT}, for the stack's edge. Pure; each refusal names file, line, service and the edit.
import { type Env, readPorts } from "./fields";
import { type ComposeModel, type ComposeService, findService, isMapping, lineAt, problem,
  SETTING_PREFIX } from "./model";
import { missingService } from "./webRules";

const PROXY_PORTS = ["80", "443"];

export function findProxy(model: ComposeModel, web: ComposeService, opts: { proxyService?: string }, env: Env,
  notes: string[], refusals: string[]): ComposeService | undefined {
  if (opts.proxyService !== undefined) {
    const named = findService(model, opts.proxyService);
    if (named === undefined) {
      refusals.push(missingService(model, opts.proxyService, "proxyService", "the proxy in front of web"));
    } else if (named === web) {
      refusals.push(
        problem(model.file, web.line, web.name,
          `is both the web service and the proxy (proxyService is "${web.name}"); a switch needs a proxy in front of the web containers`,
          `set \`${SETTING_PREFIX}proxyService\` to your nginx service, or add one that proxies to ${web.name}`),
      );
    } else return named;
    return undefined;
  }
  const candidates = model.services.filter((s) =>
    s !== web
    && readPorts(s.spec.ports, env).some((p) =>
      viaVariable(p.text)
      || (p.published !== undefined && (PROXY_PORTS.includes(p.published) || PROXY_PORTS.includes(p.target)))
    )
  );
  if (candidates.length === 1) {
    notes.push(
      `proxy: ${
        candidates[0].name
      }, the service that publishes port 80/443 (set \`${SETTING_PREFIX}proxyService\` to choose another)`,
    );
    return candidates[0];
  }
  const others = model.services.filter((s) => s !== web).map((s) => s.name);
  if (candidates.length === 0) {
    refusals.push(
      problem(model.file, lineAt(model, ["services"]), undefined,
        `has no proxy in front of ${web.name}: no other service publishes through \${HTTP_PORT} or port 80 or 443`,
        others.length > 0
          ? `set \`${SETTING_PREFIX}proxyService\` to the service that proxies to ${web.name} (one of ${
            others.join(", ")
          }), or give it \`ports: [${PROXY_PUBLISH}]\``
          : `add an nginx service that publishes \`ports: [${PROXY_PUBLISH}]\` and proxies to ${web.name}`),
    );
  } else {
    refusals.push(
      problem(model.file, lineAt(model, ["services"]), undefined,
        `has several services publishing port 80/443 (${
          candidates.map((s) => s.name).join(", ")
        }), so the proxy is ambiguous`, `set \`${SETTING_PREFIX}proxyService\` to the one that proxies to ${web.name}`),
    );
  }
  return undefined;
}

/** The variable the deploy sets to the loopback address and port the proxy publishes on. */
export const PROXY_PORT_VARIABLE = "HTTP_PORT";

/** A `ports:` entry written with ${HTTP_PORT} (with or without a default) as its host part. */
function viaVariable(text: string): boolean {
  return new RegExp(`\\$\\{${PROXY_PORT_VARIABLE}(:?-[^}]*)?\\}:`).test(text);
}

/** What the proxy publishes: one port, through ${HTTP_PORT}. */
const PROXY_PUBLISH = `"\${${PROXY_PORT_VARIABLE}:-80}:80"`;

/**
 * The stack's edge (HAProxy on the host) owns ports 80 and 443 and terminates TLS; the proxy
 * publishes exactly one port, on the loopback address the deploy puts in ${HTTP_PORT}.
 */
export function proxyPortRefusals(model: ComposeModel, proxy: ComposeService, env: Env): string[] {
  // `${HTTP_PORT}:80` publishes nothing until the deploy sets HTTP_PORT: judged by its text.
  const published = readPorts(proxy.spec.ports, env).filter((p) => p.published !== undefined || viaVariable(p.text));
  const at = (index: number) => lineAt(model, ["services", proxy.name, "ports", index]);
  if (published.length === 0) {
    // Off the compose network, reachRefusals already asks for the port along with its edit.
    if (proxy.spec.network_mode !== undefined) return [];
    return [
      problem(model.file, lineAt(model, ["services", proxy.name, "ports"]), proxy.name,
        "publishes no port through ${" + PROXY_PORT_VARIABLE + "}, so the edge cannot reach it",
        `add \`- ${PROXY_PUBLISH}\` under ${proxy.name}'s \`ports:\` (80: the port nginx listens on in the container)`),
    ];
  }
  const kept = published.find((p) => viaVariable(p.text));
  const rewritten = kept === undefined ? published[0] : undefined;
  return published.filter((p) => p !== kept).map((p) => {
    if (viaVariable(p.text)) {
      return problem(model.file, at(p.index), proxy.name,
        `publishes a second port through \${${PROXY_PORT_VARIABLE}} (\`${p.text}\`), but ${PROXY_PORT_VARIABLE} is one loopback address, which only one entry can bind`,
        `delete line ${at(p.index)} \`- ${p.text}\` (the proxy publishes one port; TLS is the edge's job)`);
    }
    const what =
      `publishes host port ${p.published} (\`${p.text}\`): the stack's edge owns ports 80 and 443 (it terminates HTTPS and keeps connections open across deploys) and reaches the proxy on a loopback port`;
    return problem(model.file, at(p.index), proxy.name, what, p === rewritten
      ? `write line ${
        at(p.index)
      } as \`- "\${${PROXY_PORT_VARIABLE}:-80}:${p.target}"\` (the deploy sets ${PROXY_PORT_VARIABLE} to that loopback address)`
      : `delete line ${
        at(p.index)
      } \`- ${p.text}\` (TLS is the edge's job; the proxy publishes one port, through \${${PROXY_PORT_VARIABLE}})`);
  });
}

/** The proxy must reach web by its service name: a shared network, no host networking on the proxy. */
export function reachRefusals(model: ComposeModel, web: ComposeService, proxy: ComposeService): string[] {
  if (proxy.spec.network_mode !== undefined) {
    const line = lineAt(model, ["services", proxy.name, "network_mode"]);
    return [
      problem(model.file, line, proxy.name,
        `\`network_mode: ${
          String(proxy.spec.network_mode)
        }\` takes the proxy off the compose network, so it cannot reach ${web.name} by name`,
        `delete line ${line} and publish the proxy's port with \`ports: [${PROXY_PUBLISH}]\``),
    ];
  }
  if (web.spec.network_mode !== undefined) return [];
  const webNets = networksOf(web);
  const proxyNets = networksOf(proxy);
  if (webNets.some((n) => proxyNets.includes(n))) return [];
  const line = lineAt(model, ["services", proxy.name, "networks"]);
  return [
    problem(model.file, line, proxy.name,
      `is on network(s) ${proxyNets.join(", ")} and ${web.name} on ${
        webNets.join(", ")
      }, so the proxy cannot reach ${web.name}`,
      `add \`- ${webNets[0]}\` under ${proxy.name}'s \`networks:\` (line ${line})`),
  ];
}

function networksOf(service: ComposeService): string[] {
  const nets = service.spec.networks;
  if (Array.isArray(nets)) return nets.map(String);
  if (isMapping(nets)) return Object.keys(nets);
  return ["default"];
}
