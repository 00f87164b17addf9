// The proxy behind the stack's edge: the edge (HAProxy on the host) owns ports 80 and 443, so the
// proxy publishes exactly one port, through ${HTTP_PORT}, which the deploy points at a loopback
// address. Any other published port is refused with the exact edit. Pure: no mocks.
import * as assert from "assert";
import { analyseForGaplessSwitch, parseCompose } from "../../components/compose";

/** A web service and an nginx proxy whose `ports:` entries are the given lines (line 7 on). */
function refusalsFor(...ports: string[]): string[] {
  const text = ["services:", "  web:", "    build: .", "  nginx:", "    image: nginx:1.25", "    ports:",
    ...ports.map((p) => `      - ${p}`), ""].join("\n");
  return analyseForGaplessSwitch(parseCompose(text, "x.yml"), { webService: "web", proxyService: "nginx" }).refusals;
}

const EDGE_OWNS =
  "the stack's edge owns ports 80 and 443 (it terminates HTTPS and keeps connections open across deploys) and reaches the proxy on a loopback port";

describe("compose file: the proxy publishes one port, through ${HTTP_PORT}", () => {
  it("accepts the proxy publishing ${HTTP_PORT:-80}:80", () => {
    assert.deepStrictEqual(refusalsFor('"${HTTP_PORT:-80}:80"'), []);
  });

  it("accepts the proxy publishing ${HTTP_PORT}:80 without a default", () => {
    assert.deepStrictEqual(refusalsFor('"${HTTP_PORT}:80"'), []);
  });

  it("accepts a container-only port (no host port) beside the ${HTTP_PORT} entry", () => {
    assert.deepStrictEqual(refusalsFor('"${HTTP_PORT:-80}:80"', '"8081"'), []);
  });

  it("refuses 80:80 with the rewrite of that very line", () => {
    assert.deepStrictEqual(refusalsFor('"80:80"'), [
      `x.yml:7: service "nginx": publishes host port 80 (\`80:80\`): ${EDGE_OWNS}. Fix: write line 7 as \`- "\${HTTP_PORT:-80}:80"\` (the deploy sets HTTP_PORT to that loopback address).`,
    ]);
  });

  it("refuses 80:80 and 443:443: rewrite the first, delete the second", () => {
    assert.deepStrictEqual(refusalsFor('"80:80"', '"443:443"'), [
      `x.yml:7: service "nginx": publishes host port 80 (\`80:80\`): ${EDGE_OWNS}. Fix: write line 7 as \`- "\${HTTP_PORT:-80}:80"\` (the deploy sets HTTP_PORT to that loopback address).`,
      `x.yml:8: service "nginx": publishes host port 443 (\`443:443\`): ${EDGE_OWNS}. Fix: delete line 8 \`- 443:443\` (TLS is the edge's job; the proxy publishes one port, through \${HTTP_PORT}).`,
    ]);
  });

  it("refuses 443:443 beside a ${HTTP_PORT} entry with the deletion of its line", () => {
    assert.deepStrictEqual(refusalsFor('"${HTTP_PORT:-80}:80"', '"443:443"'), [
      `x.yml:8: service "nginx": publishes host port 443 (\`443:443\`): ${EDGE_OWNS}. Fix: delete line 8 \`- 443:443\` (TLS is the edge's job; the proxy publishes one port, through \${HTTP_PORT}).`,
    ]);
  });

  it("refuses a host port bound to an address (127.0.0.1:8080:80) like any fixed port", () => {
    assert.deepStrictEqual(refusalsFor('"127.0.0.1:8080:80"'), [
      `x.yml:7: service "nginx": publishes host port 8080 (\`127.0.0.1:8080:80\`): ${EDGE_OWNS}. Fix: write line 7 as \`- "\${HTTP_PORT:-80}:80"\` (the deploy sets HTTP_PORT to that loopback address).`,
    ]);
  });

  it("refuses a proxy publishing only through another variable, with the rewrite to ${HTTP_PORT}", () => {
    assert.deepStrictEqual(refusalsFor('"${PROXY_PORT:-80}:80"'), [
      `x.yml:7: service "nginx": publishes host port 80 (\`\${PROXY_PORT:-80}:80\`): ${EDGE_OWNS}. Fix: write line 7 as \`- "\${HTTP_PORT:-80}:80"\` (the deploy sets HTTP_PORT to that loopback address).`,
    ]);
  });

  it("refuses a second ${HTTP_PORT} entry, which would bind the same loopback address twice", () => {
    assert.deepStrictEqual(refusalsFor('"${HTTP_PORT:-80}:80"', '"${HTTP_PORT:-443}:443"'), [
      'x.yml:8: service "nginx": publishes a second port through ${HTTP_PORT} (`${HTTP_PORT:-443}:443`), but HTTP_PORT is one loopback address, which only one entry can bind. Fix: delete line 8 `- ${HTTP_PORT:-443}:443` (the proxy publishes one port; TLS is the edge\'s job).',
    ]);
  });

  it("refuses a proxy that publishes no host port, with the entry to add", () => {
    assert.deepStrictEqual(refusalsFor('"80"'), [
      'x.yml:6: service "nginx": publishes no port through ${HTTP_PORT}, so the edge cannot reach it. Fix: add `- "${HTTP_PORT:-80}:80"` under nginx\'s `ports:` (80: the port nginx listens on in the container).',
    ]);
  });

  it("asks for the ${HTTP_PORT} entry once when the proxy is on host networking", () => {
    const text = "services:\n  web:\n    build: .\n  nginx:\n    image: nginx:1.25\n    network_mode: host\n";
    assert.deepStrictEqual(
      analyseForGaplessSwitch(parseCompose(text, "x.yml"), { webService: "web", proxyService: "nginx" }).refusals,
      [
        'x.yml:6: service "nginx": `network_mode: host` takes the proxy off the compose network, so it cannot reach web by name. Fix: delete line 6 and publish the proxy\'s port with `ports: ["${HTTP_PORT:-80}:80"]`.',
      ],
    );
  });

  it("finds the proxy by the container port it publishes through ${HTTP_PORT} when proxyService is unset", () => {
    const text =
      'services:\n  web:\n    build: .\n  nginx:\n    image: nginx:1.25\n    ports: ["${HTTP_PORT:-80}:80"]\n';
    const f = analyseForGaplessSwitch(parseCompose(text, "x.yml"), { webService: "web",
      env: { HTTP_PORT: "127.0.0.1:8080" } });
    assert.deepStrictEqual([f.proxy, f.refusals], ["nginx", []]);
  });

  it("finds the proxy publishing ${HTTP_PORT}:80 without a default when proxyService is unset and HTTP_PORT is not yet set", () => {
    const text =
      'services:\n  web:\n    build: .\n  edge-proxy:\n    image: caddy:2\n    ports: ["${HTTP_PORT}:8080"]\n';
    const f = analyseForGaplessSwitch(parseCompose(text, "x.yml"), { webService: "web" });
    assert.deepStrictEqual([f.proxy, f.refusals], ["edge-proxy", []]);
  });
});
