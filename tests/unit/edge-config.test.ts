// The edge's HAProxy config (host/release/edge.sh render_config), rendered by the script itself with
// bash: what a client sends about where a request came from is dropped in every frontend before the
// edge sets its own (haproxy doc/configuration.txt: "http-request del-header", "option forwardfor"),
// and both sockets are open to the edge's group only.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RELEASE_DIR } from "../support/host";

const CLIENT_HEADERS = ["X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Port",
  "X-Forwarded-Server", "X-Real-IP", "Forwarded"];

/** edge.sh's render_config for settings in a scratch base directory; with a certificate when `tls`. */
function renderConfig(tls: boolean): string {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "edge-config-"));
  try {
    fs.mkdirSync(path.join(base, "edge", "certs"), { recursive: true });
    fs.writeFileSync(path.join(base, "edge", "settings"),
      ["http_port=80", "https_port=443", "proxy_port=8080", "acme_port=8402", `domains=${tls ? "app.example.com" : ""}`,
        "acme_email=ops@example.com", "acme_server=https://acme.invalid/dir", "hsts=on", ""].join("\n"));
    if (tls) fs.writeFileSync(path.join(base, "edge", "certs", "site.pem"), "a certificate\n");
    const r = spawnSync("bash", ["-c",
      'source "$1/edge.sh"; base_dir="$2"; edge_paths; read_edge_settings; render_config', "edge-config-test",
      RELEASE_DIR, base], { encoding: "utf8" });
    assert.strictEqual(r.status, 0, r.stderr);
    return r.stdout;
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
}

/** The lines of one section ("frontend http", "global"…), up to the next section. */
function section(config: string, name: string): string[] {
  const lines = config.split("\n");
  const start = lines.indexOf(name);
  assert.ok(start >= 0, `no "${name}" in:\n${config}`);
  const end = lines.findIndex((l, i) => i > start && /^\S/.test(l));
  return lines.slice(start + 1, end < 0 ? undefined : end).map((l) => l.trim()).filter(Boolean);
}

describe("edge config (edge.sh render_config)", () => {
  for (const [frontend, tls, proto] of [["frontend http", false, "http"], ["frontend http", true, "http"], [
    "frontend https",
    true,
    "https",
  ]] as const) {
    it(`drops every client-sent forwarded header in "${frontend}"${tls ? " with HTTPS on" : ""} before it sets X-Forwarded-Proto ${proto}`, () => {
      const lines = section(renderConfig(tls), frontend);
      const setProto = lines.indexOf(`http-request set-header X-Forwarded-Proto ${proto}`);
      assert.ok(setProto >= 0, lines.join("\n"));
      for (const header of CLIENT_HEADERS) {
        const dropped = lines.indexOf(`http-request del-header ${header}`);
        assert.ok(dropped >= 0 && dropped < setProto,
          `${header} is dropped before X-Forwarded-Proto is set:\n${lines.join("\n")}`);
      }
    });
  }

  it("adds X-Forwarded-For with the address the edge saw (option forwardfor), after the frontends dropped the client's", () => {
    assert.ok(section(renderConfig(false), "defaults").includes("option forwardfor"));
  });

  it("opens the runtime API socket to the edge's group (0660), in the run directory HAProxy's user owns", () => {
    const stats = section(renderConfig(false), "global").find((l) => l.startsWith("stats socket ")) ?? "";
    assert.match(stats, /^stats socket \S+\/edge\/run\/admin\.sock mode 660 level admin/);
  });
});
