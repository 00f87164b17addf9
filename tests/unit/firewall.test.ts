// components/firewall.ts: web group (80/443 from httpCidrs, 22 from sshCidrs) and a DB group reachable
// only from the web group.
import * as assert from "assert";
import { cidrSlug, webIngressRules } from "../../components/firewall";
import { MockResource, RunResult } from "../../lib/engine";
import { stackRun, variantRun } from "../support/fixtures";

const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const SG = "aws:ec2/securityGroup:SecurityGroup";

function groups(run: RunResult): { web: MockResource; db: MockResource } {
  const sgs = run.mock.ofType(SG);
  return { web: sgs.find((g) => g.name === "fw-web")!, db: sgs.find((g) => g.name === "fw-db")! };
}
const rulesOf = (run: RunResult, type: string, group: MockResource) =>
  run.mock.ofType(type).filter((r) => r.inputs.securityGroupId === group.id);
const summary = (r: MockResource) =>
  `${r.inputs.ipProtocol}/${r.inputs.fromPort ?? "*"} ${
    r.inputs.cidrIpv4 ?? r.inputs.cidrIpv6 ?? r.inputs.referencedSecurityGroupId
  }`;

describe("firewall", () => {
  describe("pure rules", () => {
    it("opens 80 and 443 per HTTP CIDR and 22 per SSH CIDR, IPv4 and IPv6 in their own fields", () => {
      const rules = webIngressRules({ httpCidrs: ["0.0.0.0/0", "::/0"], sshCidrs: ["198.51.100.7/32"] });
      assert.deepStrictEqual(
        rules.map((r) => [r.port, r.cidrIpv4, r.cidrIpv6]),
        [[80, "0.0.0.0/0", undefined], [443, "0.0.0.0/0", undefined], [80, undefined, "::/0"], [443, undefined, "::/0"],
          [22, "198.51.100.7/32", undefined]],
      );
    });
    it("gives two different networks that share a slug distinct rule names, and keeps the usual names as they are", () => {
      const rules = webIngressRules({ httpCidrs: ["0.0.0.0/0"], sshCidrs: ["1::2/128", "1:2::/128"] });
      const keys = rules.map((r) => r.key);
      assert.strictEqual(new Set(keys).size, keys.length, keys.join(", "));
      assert.deepStrictEqual(keys.slice(0, 2), ["http-0-0-0-0-0", "https-0-0-0-0-0"]);
      assert.deepStrictEqual(rules.filter((r) => r.port === 22).map((r) => r.cidrIpv6), ["1::2/128", "1:2::/128"]);
    });
    it("names rules with URN-safe, distinct slugs", () => {
      const slugs = ["0.0.0.0/0", "::/0", "2001:db8::/32", "203.0.113.0/24"].map(cidrSlug);
      assert.deepStrictEqual(slugs, ["0-0-0-0-0", "v6-0", "v6-2001-db8-32", "203-0-113-0-24"]);
      assert.ok(slugs.every((s) => !s.includes("::")));
    });
  });

  for (const stack of ["dev", "prod"] as const) {
    describe(`${stack} stack`, () => {
      it("lets HTTP and HTTPS in from the world over IPv4 and IPv6", async () => {
        const run = await stackRun(stack);
        const web = rulesOf(run, INGRESS, groups(run).web).map(summary).filter((s) => !s.startsWith("tcp/22 "));
        assert.deepStrictEqual(web.sort(), ["tcp/443 0.0.0.0/0", "tcp/443 ::/0", "tcp/80 0.0.0.0/0", "tcp/80 ::/0"]);
      });
      it(
        stack === "prod"
          ? "opens no port 22 at all (transport ssm, prod's default)"
          : "lets SSH in from the dev default 0.0.0.0/0",
        async () => {
          const run = await stackRun(stack);
          const ssh = rulesOf(run, INGRESS, groups(run).web).filter((r) => r.inputs.fromPort === 22);
          assert.deepStrictEqual(ssh.map(summary), stack === "prod" ? [] : ["tcp/22 0.0.0.0/0"]);
          assert.ok(ssh.every((r) => r.inputs.toPort === 22 && r.inputs.ipProtocol === "tcp"));
        },
      );
      it("lets the host reach out over both IP families", async () => {
        const run = await stackRun(stack);
        assert.deepStrictEqual(rulesOf(run, EGRESS, groups(run).web).map(summary).sort(), ["-1/* 0.0.0.0/0",
          "-1/* ::/0"]);
      });
      it("lets only the web group reach the DB group, only on the DB port, and gives the DB no egress", async () => {
        const run = await stackRun(stack);
        const { web, db } = groups(run);
        assert.deepStrictEqual(rulesOf(run, INGRESS, db).map(summary), [`tcp/5432 ${web.id}`]);
        assert.strictEqual(rulesOf(run, EGRESS, db).length, 0);
        assert.strictEqual(db.inputs.ingress, undefined);
        assert.strictEqual(db.inputs.egress, undefined);
        assert.deepStrictEqual(run.mock.one("aws:rds/instance:Instance").inputs.vpcSecurityGroupIds, [db.id]);
        assert.deepStrictEqual(run.mock.one("aws:ec2/instance:Instance").inputs.vpcSecurityGroupIds, [web.id]);
      });
      it("keeps rules as separate resources, not inline blocks", async () => {
        const run = await stackRun(stack);
        for (const g of run.mock.ofType(SG)) {
          assert.ok(g.inputs.ingress === undefined && g.inputs.egress === undefined, g.name);
        }
      });
    });
  }

  it("opens the MySQL port and IPv6 SSH ranges when configured", async () => {
    const run = await variantRun("A");
    const { web, db } = groups(run);
    assert.deepStrictEqual(rulesOf(run, INGRESS, db).map(summary), [`tcp/3306 ${web.id}`]);
    const ssh = rulesOf(run, INGRESS, web).filter((r) => r.inputs.fromPort === 22).map(summary);
    assert.deepStrictEqual(ssh, ["tcp/22 198.51.100.7/32", "tcp/22 2001:db8:1::/48"]);
  });
});
