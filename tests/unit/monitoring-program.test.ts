// components/monitoring.ts wired into the program (ec2 hosting): alarms on the stack's own host and database,
// the host role's log and metric policy, and no container started before they exist.
import * as assert from "assert";
import { monitoringDefaults } from "../../components/config";
import { HOST_MONITORING_PATHS, monitoringHostFiles } from "../../components/hostMonitoring";
import { containerLogGroupName } from "../../components/monitoring";
import { PROJECT } from "../../lib/engine";
import { stackRun } from "../support/fixtures";
import { alarm, ALARM, LOG_GROUP, SUBSCRIPTION } from "../support/monitoring";

describe("monitoring", () => {
  describe("wired into the program (ec2 hosting)", () => {
    for (const stack of ["dev", "prod"] as const) {
      const days = monitoringDefaults(stack).logRetentionDays;
      it(`keeps ${stack}'s container logs ${days} days (the stage default), in the group the host's Docker ships to`, async () => {
        const { mock } = await stackRun(stack);
        const group = mock.one(LOG_GROUP);
        assert.deepStrictEqual([group.inputs.name, group.inputs.retentionInDays], [
          containerLogGroupName(PROJECT, stack),
          days,
        ]);
        const userData = String(mock.one("aws:ec2/instance:Instance").inputs.userData);
        assert.ok(userData.includes(`path: ${HOST_MONITORING_PATHS.dockerDaemonConfig}`),
          "cloud-init writes daemon.json");
        const daemon = monitoringHostFiles(group.inputs.name, "us-east-1").files.find((f) =>
          f.path === HOST_MONITORING_PATHS.dockerDaemonConfig
        )!;
        assert.ok(userData.includes(JSON.stringify(daemon.content)), "with the stack's log group and region");
        assert.match(userData, /"compose-on-ec2-disk-metric\.timer"\]/,
          "provision.sh is told to enable the disk metric timer");
      });
    }

    it("alarms on the stack's own host and database, and gives the host's role the log and metric policy", async () => {
      const { mock } = await stackRun("prod");
      const instance = mock.one("aws:ec2/instance:Instance");
      const db = mock.one("aws:rds/instance:Instance");
      assert.strictEqual(mock.ofType(ALARM).length, 6);
      for (const a of mock.ofType(ALARM)) {
        const dims = a.inputs.dimensions as Record<string, string>;
        assert.ok(dims.InstanceId === instance.id || dims.DBInstanceIdentifier === db.state.identifier,
          `${a.name}: ${JSON.stringify(dims)}`);
      }
      assert.deepStrictEqual(alarm(mock, "db-storage-low").inputs.threshold,
        monitoringDefaults("prod").dbFreeStorageLowGb * 1024 ** 3);
      const policy = mock.one("aws:iam/rolePolicy:RolePolicy", "monitoring-instance-policy");
      assert.strictEqual(policy.inputs.role, mock.one("aws:iam/role:Role", "host-role").state.name);
      assert.strictEqual(mock.ofType(SUBSCRIPTION).length, 0, "no alertEmail in the stack file: no subscription");
    });

    it("starts no container before the log group and the role policy exist (the deploy waits for them)", async () => {
      const { mock } = await stackRun("dev");
      const teardown = mock.one("command:local:Command", "app-teardown");
      const deploy = mock.one("command:remote:Command", "app-deploy");
      for (const needed of [mock.one(LOG_GROUP),
        mock.one("aws:iam/rolePolicy:RolePolicy", "monitoring-instance-policy")]) {
        assert.ok(teardown.options.dependencies.includes(needed.urn!),
          `teardown (and so the deploy) waits for ${needed.name}`);
      }
      assert.ok(deploy.options.dependencies.includes(teardown.urn!), "the deploy waits for the teardown resource");
    });
  });
});
