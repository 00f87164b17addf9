// A second `pulumi up` with nothing changed must not re-run the remote commands: pulumi-command
// re-runs `create` on any change of a non-trigger input, so the `connection` each remote step gets must
// be the same, on the wire, every run. Checked here: the program run twice under the mocks, each
// remote step's `connection` as the SDK serialises it for the engine compared byte for byte, and its
// shape (one secret, every field present, nothing unknown). What this cannot check (no Pulumi CLI or
// provider here) is the provider's own Diff against its stored state: see docs/explanation/architecture.md.
import * as assert from "assert";
import { CONNECTION_FIELDS } from "../../components/transport";
import { RegisterRequest, isSecretValue, runProgram } from "../../lib/engine";

/** The SDK's marker of a value unknown at preview time (@pulumi/pulumi runtime/rpc unknownValue). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const REMOTE = /^command:remote:/;

/**
 * Each remote step's `connection`, exactly as serialised in its register request, by resource name;
 * and the upload's `environment` (a local.Command on both transports: its login is in there).
 */
async function connectionsOfOneRun(): Promise<{ connections: Map<string, string>; upload?: string }> {
  const seen = new Map<string, string>();
  let upload: string | undefined;
  await runProgram({
    stack: "dev",
    onRegister: (req: RegisterRequest) => {
      const wire = () => (req.getObject() as unknown as { toJavaScript(): Record<string, unknown> }).toJavaScript();
      if (req.getType() === "command:local:Command" && req.getName().endsWith("-upload")) {
        upload = JSON.stringify(wire().environment);
      }
      if (!REMOTE.test(req.getType())) return;
      seen.set(req.getName(), JSON.stringify(wire().connection));
    },
  });
  return { connections: seen, upload };
}

describe("the remote steps' connection is the same on every run", function() {
  this.timeout(120000);
  let first: Map<string, string>;
  let second: Map<string, string>;
  let uploads: (string | undefined)[];
  before(async () => {
    const a = await connectionsOfOneRun();
    const b = await connectionsOfOneRun();
    first = a.connections;
    second = b.connections;
    uploads = [a.upload, b.upload];
  });

  it("is byte for byte the same in two runs of the program, for every remote step and the upload's environment", () => {
    assert.ok(first.size >= 2,
      `the dev program has its remote steps (wait-ready, deploy): ${[...first.keys()].join(", ")}`);
    assert.ok(uploads[0] !== undefined && !uploads[0].includes(UNKNOWN),
      "the upload's environment is registered, with nothing unknown");
    assert.strictEqual(uploads[1], uploads[0], "the upload's environment (its login, files and host lines)");
    assert.deepStrictEqual([...second.keys()].sort(), [...first.keys()].sort());
    for (const [name, wire] of first) assert.strictEqual(second.get(name), wire, name);
    console.log(
      `      ${first.size} remote steps, connection ${
        [...first.values()][0].length
      } bytes on the wire each, identical across runs`,
    );
  });

  it("is one secret holding every field, always in the same set, with nothing unknown", () => {
    for (const [name, wire] of first) {
      const value: unknown = JSON.parse(wire);
      assert.ok(isSecretValue(value), `${name}: the connection is a secret as a whole, as the provider stores it`);
      const fields = value.value as Record<string, unknown>;
      assert.deepStrictEqual(Object.keys(fields).sort(), [...CONNECTION_FIELDS].sort(), name);
      assert.ok(!wire.includes(UNKNOWN), `${name}: no unknown value in the connection`);
      for (const f of CONNECTION_FIELDS) {
        assert.ok(fields[f] !== undefined && fields[f] !== null && fields[f] !== "", `${name}: ${f} is set`);
      }
    }
  });
});
