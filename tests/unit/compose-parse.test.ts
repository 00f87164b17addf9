// The compose file judged before any resource exists: a file that is not a compose file is refused with
// the file, the line and the edit; our own file's services and settings are located on their lines. Pure: no mocks.
import * as assert from "assert";
import * as fs from "fs";
import { ComposeError, parseCompose } from "../../components/compose";
import { loadCompose, OUR_COMPOSE_PATH } from "../support/compose";

describe("compose file: not a compose file is refused with the file and line", () => {
  /** x.yml refused as not a compose file at all: why, and the edit. */
  const notCompose = (why: string, fix: string) => `x.yml:1: is not a compose file: ${why}. Fix: ${fix}.`;
  const invalidYaml = (why: string) => `x.yml:4: is not valid YAML (${why}). Fix: correct the YAML at line 4.`;
  const startWithServices = "start the file with a top-level `services:` mapping, one key per service";
  const cases: { name: string; text: string; message: string }[] = [
    { name: "empty file", text: "# nothing yet\n", message: notCompose("the file is empty", startWithServices) },
    { name: "a list", text: "- web\n- nginx\n", message: notCompose("its top level is a list", startWithServices) },
    { name: "no services key", text: "version: '3'\nvolumes:\n  data:\n",
      message: notCompose("it has no top-level `services:` key (top-level keys: version, volumes)",
        "put the services under a top-level `services:` key") },
    { name: "legacy version-1 layout", text: "# v1\nweb:\n  build: .\nnginx:\n  image: nginx\n",
      message:
        "x.yml:2: uses the legacy version-1 layout (web, nginx at the top level) and has no `services:` key. Fix: add a line `services:` above line 2 and indent web, nginx under it." },
    { name: "services as a list", text: "services:\n  - web\n",
      message:
        "x.yml:1: `services:` is a list, not a mapping of service names. Fix: write each service as a key under `services:`, e.g. `  web:` followed by its settings indented below it." },
    { name: "an empty service", text: "services:\n  web:\n    build: .\n  nginx:\n",
      message:
        'x.yml:4: service "nginx": is empty, not a mapping of settings. Fix: give it at least `image:` or `build:` indented under `nginx:`.' },
    { name: "invalid YAML", text: "services:\n  web:\n    build: .\n   image: x\n",
      message: invalidYaml("bad indentation of a mapping entry") },
    { name: "a duplicated key", text: "services:\n  web:\n    build: .\n  web:\n    image: x\n",
      message: invalidYaml("duplicated mapping key") },
  ];
  for (const c of cases) {
    it(`refuses ${c.name}`, () => {
      assert.throws(() => parseCompose(c.text, "x.yml"),
        (err: unknown) => err instanceof ComposeError && err.message === c.message);
    });
  }

  it("locates every service and setting of our own file on the line it is written", () => {
    const model = loadCompose("ours");
    const text = fs.readFileSync(OUR_COMPOSE_PATH, "utf8").split("\n");
    assert.deepStrictEqual(model.services.map((s) => [s.name, text[s.line - 1].trim()]), [["web", "web:"], ["nginx",
      "nginx:"], ["worker", "worker:"], ["redis", "redis:"]]);
    assert.match(text[(model.lines.get('["services","nginx","ports",0]') as number) - 1], /- "\$\{HTTP_PORT:-80\}:80"/);
    assert.match(text[(model.lines.get('["services","web","healthcheck","start_period"]') as number) - 1],
      /start_period: 20s/);
  });
});
