// host/cloud-init/disk-metric.sh, run for real against a stub AWS CLI and a local IMDS: the disk use it
// publishes, and why it stops.
import * as assert from "assert";
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { HOST_METRICS_NAMESPACE } from "../../components/hostMonitoring";
import { DISK_METRIC_SCRIPT, INSTANCE_ID } from "../support/monitoring";

describe("monitoring", () => {
  describe("the disk metric script, run for real", () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "disk-metric-"));
      // A stand-in for the AWS CLI that records its arguments.
      fs.writeFileSync(path.join(dir, "aws"), `#!/usr/bin/env bash\nprintf '%s\\n' "$@" > "${dir}/aws-args"\n`, {
        mode: 0o755,
      });
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const env = () => ({ ...process.env, PATH: `${dir}:${process.env.PATH}` });
    const args = ["--namespace", HOST_METRICS_NAMESPACE, "--metric", "disk_used_percent", "--region", "us-east-1",
      "--path", "/"];
    const dfPercent = () =>
      Number(/(\d+)%/.exec(execFileSync("df", ["-P", "/"], { encoding: "utf8" }).split("\n")[1])![1]);
    const recorded = () => fs.readFileSync(path.join(dir, "aws-args"), "utf8").trim().split("\n");

    it("publishes df's use of / as a percentage with the instance and path as dimensions", () => {
      execFileSync("bash", [DISK_METRIC_SCRIPT, ...args, "--instance-id", INSTANCE_ID], { env: env(),
        encoding: "utf8" });
      const a = recorded();
      const flag = (name: string) => a[a.indexOf(name) + 1];
      assert.deepStrictEqual(a.slice(0, 2), ["cloudwatch", "put-metric-data"]);
      assert.deepStrictEqual([flag("--region"), flag("--namespace"), flag("--metric-name"), flag("--unit"),
        flag("--dimensions")], ["us-east-1", HOST_METRICS_NAMESPACE, "disk_used_percent", "Percent",
        `InstanceId=${INSTANCE_ID},Path=/`]);
      assert.ok(Math.abs(Number(flag("--value")) - dfPercent()) <= 1, `${flag("--value")} vs df ${dfPercent()}`);
    });

    it("asks IMDSv2 for the instance id when none is given, sending the token as a header", async () => {
      const seen: string[] = [];
      const server = http.createServer((req, res) => {
        seen.push(`${req.method} ${req.url}`);
        if (req.method === "PUT" && req.url === "/latest/api/token"
          && req.headers["x-aws-ec2-metadata-token-ttl-seconds"]) {
          res.end("tok-123");
        } else if (req.method === "GET" && req.url === "/latest/meta-data/instance-id"
          && req.headers["x-aws-ec2-metadata-token"] === "tok-123") {
          res.end("i-0fedcba9876543210");
        } else {
          res.statusCode = 401;
          res.end();
        }
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const port = (server.address() as { port: number }).port;
      try {
        await new Promise<void>((resolve, reject) =>
          execFile("bash", [DISK_METRIC_SCRIPT, ...args], {
            env: { ...env(), IMDS_ENDPOINT: `http://127.0.0.1:${port}` },
            timeout: 15000,
          }, (e) => (e ? reject(e) : resolve()))
        );
      } finally {
        server.close();
      }
      assert.deepStrictEqual(seen, ["PUT /latest/api/token", "GET /latest/meta-data/instance-id"]);
      assert.ok(recorded().includes("InstanceId=i-0fedcba9876543210,Path=/"));
    });

    it("says why it stops: no AWS CLI, or a path that is not there", () => {
      fs.rmSync(path.join(dir, "aws"));
      const run = (extra: string[], pathVar: string) => {
        try {
          execFileSync("bash", [DISK_METRIC_SCRIPT, ...extra], { env: { ...process.env, PATH: pathVar },
            encoding: "utf8", stdio: "pipe" });
          return "exit 0";
        } catch (e) {
          return String((e as { stderr: string }).stderr);
        }
      };
      assert.match(run([...args, "--instance-id", INSTANCE_ID], "/usr/bin:/bin"),
        /the AWS CLI \(aws\) is not installed/);
      assert.match(run([...args.slice(0, 6), "--path", "/no/such/dir", "--instance-id", INSTANCE_ID], "/usr/bin:/bin"),
        /path '\/no\/such\/dir' is not a directory/);
    });
  });
});
