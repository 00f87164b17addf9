// The policy pack started under @pulumi/policy's gRPC server, as the Pulumi CLI starts it, answering
// Analyze (one resource) and AnalyzeStack.
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import * as analyzerrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import type { PolicyResource } from "../../policy/rules";
import { change, goodStack } from "../support/policy";

describe("the policy pack served by @pulumi/policy (what the Pulumi CLI talks to)", function() {
  this.timeout(30000);
  let pack: ChildProcess | undefined;
  let client: analyzerrpc.AnalyzerClient;

  before(async () => {
    const policyDir = path.resolve(__dirname, "..", "..", "policy");
    // The CLI starts the pack in its directory and reads the gRPC port from its first stdout line.
    pack = spawn(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), "-e",
      'require("./index.ts")'], { cwd: policyDir, stdio: ["ignore", "pipe", "pipe"] });
    const port = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("policy pack did not print its port within 20 s")), 20000);
      let err = "";
      pack?.stderr?.on("data", (d) => {
        err += String(d);
      });
      pack?.stdout?.once("data", (d) => {
        clearTimeout(timer);
        resolve(String(d).trim());
      });
      pack?.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`policy pack exited ${code}: ${err}`));
      });
    });
    client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  after(() => {
    client?.close();
    if (pack?.pid !== undefined && pack.exitCode === null) pack.kill("SIGTERM");
  });

  const toAnalyzerResource = (r: PolicyResource): analyzerpb.AnalyzerResource => {
    const res = new analyzerpb.AnalyzerResource();
    res.setType(r.type);
    res.setName(r.name);
    res.setUrn(r.urn ?? r.name);
    res.setProperties(
      structproto.Struct.fromJavaScript(
        { ...r.props, id: r.id ?? null } as Record<string, structproto.JavaScriptValue>,
      ),
    );
    const opts = new analyzerpb.AnalyzerResourceOptions();
    opts.setProtect(r.protect);
    res.setOptions(opts);
    return res;
  };

  it("answers AnalyzeStack for a compliant prod stack with no diagnostics", async () => {
    const req = new analyzerpb.AnalyzeStackRequest();
    req.setResourcesList(goodStack("prod").map(toAnalyzerResource));
    const res = await new Promise<analyzerpb.AnalyzeResponse>((resolve, reject) =>
      client.analyzeStack(req, (err, r) => (err ? reject(err) : resolve(r)))
    );
    assert.deepStrictEqual(res.getDiagnosticsList().map((d) => d.getMessage()), []);
  });

  it("reports mandatory violations from Analyze (one resource) and AnalyzeStack", async () => {
    const bad = change(change(goodStack("prod"), "db", (r) => {
      r.protect = false;
    }), "web-sg", (r) => {
      (r.props.ingress as Record<string, unknown>[])[1].cidrBlocks = ["0.0.0.0/0"];
    });
    const stackReq = new analyzerpb.AnalyzeStackRequest();
    stackReq.setResourcesList(bad.map(toAnalyzerResource));
    const stackRes = await new Promise<analyzerpb.AnalyzeResponse>((resolve, reject) =>
      client.analyzeStack(stackReq, (err, r) => (err ? reject(err) : resolve(r)))
    );
    // Both broken rules are resource rules now: the stack analysis, which runs after every step, has nothing to add.
    assert.deepStrictEqual(stackRes.getDiagnosticsList().map((d) => d.getPolicyname()), []);

    const analyze = async (r: PolicyResource): Promise<analyzerpb.AnalyzeDiagnostic[]> => {
      const one = toAnalyzerResource(r);
      const req = new analyzerpb.AnalyzeRequest();
      req.setType(one.getType());
      req.setName(one.getName());
      req.setUrn(one.getUrn());
      req.setProperties(one.getProperties());
      req.setOptions(one.getOptions());
      const res = await new Promise<analyzerpb.AnalyzeResponse>((resolve, reject) =>
        client.analyze(req, (err, out) => (err ? reject(err) : resolve(out)))
      );
      return res.getDiagnosticsList();
    };
    // The world on prod's port 22 breaks the world rule and the allowlist rule, judged on the group alone,
    // before it is created (no pack config here: the group's own stage tag says prod).
    const sgDiags = await analyze(bad.find((r) => r.name === "web-sg") as PolicyResource);
    assert.deepStrictEqual(sgDiags.map((d) => [d.getPolicyname(), d.getEnforcementlevel()]), [
      ["no-world-ssh-in-prod", analyzerpb.EnforcementLevel.MANDATORY],
      ["prod-ssh-within-allowlist", analyzerpb.EnforcementLevel.MANDATORY],
    ]);
    // The server prefixes each message with the policy's description.
    const diags = await analyze(bad.find((r) => r.name === "db") as PolicyResource);
    assert.deepStrictEqual(diags.map((d) => [d.getPolicyname(), d.getEnforcementlevel()]), [["prod-data-protected",
      analyzerpb.EnforcementLevel.MANDATORY]]);
    assert.match(diags[0].getMessage(), /\nthe resource option protect is not set$/);
  });
});
