// components/network.ts: default VPC or given ids, DB subnet group over ≥ 2 AZs.
import * as assert from "assert";
import { pickHostSubnet, requireTwoAzs, sortSubnets } from "../../components/network";
import { AwsMock, runProgram } from "../../lib/engine";
import { stackRun, TEST_SUBNETS, TEST_VPC_ID, variantRun } from "../support/fixtures";

describe("network", () => {
  describe("pure helpers", () => {
    it("orders subnets by AZ then id, so the host always lands in the same one", () => {
      const sorted = sortSubnets([
        { id: "subnet-b", availabilityZone: "us-east-1b" },
        { id: "subnet-c", availabilityZone: "us-east-1a" },
        { id: "subnet-a", availabilityZone: "us-east-1a" },
      ]);
      assert.deepStrictEqual(sorted.map((s) => s.id), ["subnet-a", "subnet-c", "subnet-b"]);
    });
    it("accepts DB subnets in two AZs and refuses one AZ with a message naming subnets, AZs and the fix", () => {
      assert.deepStrictEqual(
        requireTwoAzs([{ id: "subnet-2", availabilityZone: "eu-west-1b" }, { id: "subnet-1",
          availabilityZone: "eu-west-1a" }]),
        ["subnet-1", "subnet-2"],
      );
      assert.throws(
        () =>
          requireTwoAzs([{ id: "subnet-1", availabilityZone: "eu-west-1a" }, { id: "subnet-2",
            availabilityZone: "eu-west-1a" }]),
        (e: Error) =>
          /span 1 availability zone/.test(e.message) && /subnet-1 \(eu-west-1a\)/.test(e.message)
          && /Fix: set compose-on-ec2:dbSubnetIds/.test(e.message),
      );
      assert.throws(() => requireTwoAzs([]), /span 0 availability zone/);
    });
    it("puts the host in the first subnet whose AZ offers the instance type, or says which type and AZs clash", () => {
      const subnets = [{ id: "subnet-a", availabilityZone: "us-east-1a" }, { id: "subnet-b",
        availabilityZone: "us-east-1b" }];
      assert.strictEqual(pickHostSubnet(subnets, ["us-east-1a", "us-east-1b"], "t3.small"), "subnet-a");
      assert.strictEqual(pickHostSubnet(subnets, ["us-east-1b", "us-east-1c"], "t3.small"), "subnet-b");
      assert.throws(() => pickHostSubnet(subnets, ["us-east-1c"], "t3.small"),
        /instanceType = "t3.small" is not offered in the host subnets' AZs \(us-east-1a, us-east-1b\).*Fix:/);
      assert.throws(() => pickHostSubnet([], [], "t3.small"), /No subnets found for the host/);
    });
  });

  for (const stack of ["dev", "prod"] as const) {
    describe(`${stack} stack (default VPC)`, () => {
      it("looks up the default VPC and its default-for-AZ subnets", async () => {
        const { mock } = await stackRun(stack);
        const vpcCall = mock.calls.find((c) => c.token === "aws:ec2/getVpc:getVpc");
        assert.deepStrictEqual(vpcCall?.args, { default: true });
        const subnetsCall = mock.calls.find((c) => c.token === "aws:ec2/getSubnets:getSubnets");
        assert.deepStrictEqual(subnetsCall?.args.filters, [
          { name: "vpc-id", values: [mock.defaultVpcId()] },
          { name: "default-for-az", values: ["true"] },
        ]);
      });
      it("builds a DB subnet group spanning every default subnet (≥ 2 AZs) and puts the host in the first AZ", async () => {
        const { mock } = await stackRun(stack);
        const group = mock.one("aws:rds/subnetGroup:SubnetGroup");
        assert.strictEqual(group.inputs.subnetIds.length, 3);
        assert.strictEqual(group.options.parent.split("::").pop(), "net");
        const instance = mock.one("aws:ec2/instance:Instance");
        assert.strictEqual(instance.state.availabilityZone, `${mock.region}a`);
        assert.ok(group.inputs.subnetIds.includes(instance.inputs.subnetId));
        assert.deepStrictEqual(group.inputs.tags, { project: "compose-on-ec2", stack, stage: stack,
          "managed-by": "pulumi", ...(stack === "prod" ? { "cost-center": "web" } : {}) });
      });
      it("puts the security groups in the same VPC", async () => {
        const { mock } = await stackRun(stack);
        for (const sg of mock.ofType("aws:ec2/securityGroup:SecurityGroup")) {
          assert.strictEqual(sg.inputs.vpcId, mock.defaultVpcId());
        }
      });
    });
  }

  it("asks AWS which AZs offer the instance type and skips an AZ that does not", async () => {
    const mock = new AwsMock({ instanceTypeMissingIn: { "t3.small": ["us-east-1a"] } });
    await runProgram({ stack: "dev", mock });
    const call = mock.calls.find((c) => c.token === "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings");
    assert.deepStrictEqual(call?.args, { locationType: "availability-zone",
      filters: [{ name: "instance-type", values: ["t3.small"] }] });
    assert.strictEqual(mock.one("aws:ec2/instance:Instance").state.availabilityZone, "us-east-1b");
  });

  describe("given VPC and subnets", () => {
    it("uses the given ids without looking up the default VPC", async () => {
      const { mock } = await variantRun("A");
      assert.ok(
        !mock.calls.some((c) => c.token === "aws:ec2/getVpc:getVpc" || c.token === "aws:ec2/getSubnets:getSubnets"),
      );
      const group = mock.one("aws:rds/subnetGroup:SubnetGroup");
      assert.deepStrictEqual(group.inputs.subnetIds, TEST_SUBNETS.map((s) => s.id));
      assert.strictEqual(mock.one("aws:ec2/instance:Instance").inputs.subnetId, TEST_SUBNETS[0].id);
      for (const sg of mock.ofType("aws:ec2/securityGroup:SecurityGroup")) {
        assert.strictEqual(sg.inputs.vpcId, TEST_VPC_ID);
      }
    });
    it("fails clearly, before creating the database, when the DB subnets sit in one AZ", async () => {
      const mock = new AwsMock({ subnets: TEST_SUBNETS });
      const sameAz = [TEST_SUBNETS[1].id, TEST_SUBNETS[2].id];
      await assert.rejects(
        runProgram({ stack: "dev", mock,
          config: { vpcId: TEST_VPC_ID, subnetIds: JSON.stringify([TEST_SUBNETS[0].id]),
            dbSubnetIds: JSON.stringify(sameAz) } }),
        /span 1 availability zone\(s\) \[subnet-0bbbbbbbbbbbbbbb2 \(us-east-1b\), subnet-0ccccccccccccccc3 \(us-east-1b\)\]/,
      );
      assert.strictEqual(mock.ofType("aws:rds/subnetGroup:SubnetGroup").length, 0);
      assert.strictEqual(mock.ofType("aws:rds/instance:Instance").length, 0);
    });
  });
});
