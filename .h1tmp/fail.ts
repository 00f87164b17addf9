import { AwsMock } from "../tests/support/awsMock";
import { runProgram, TEST_SUBNETS, TEST_VPC_ID } from "../tests/support/program";
process.on("unhandledRejection", (e) => console.log("UNHANDLED", String(e).slice(0, 200)));
(async () => {
  const mock = new AwsMock({ subnets: TEST_SUBNETS });
  const sameAz = [TEST_SUBNETS[1].id, TEST_SUBNETS[2].id];
  try {
    await runProgram({ stack: "dev", mock, config: { vpcId: TEST_VPC_ID, subnetIds: JSON.stringify([TEST_SUBNETS[0].id]), dbSubnetIds: JSON.stringify(sameAz) } });
  } catch (e) { console.log("REJECTED", String(e).slice(0, 300)); }
  console.log(mock.resources.map((r) => r.name).join(" "));
})();
