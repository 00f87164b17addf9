import * as pulumi from "@pulumi/pulumi";
import { AwsMock } from "../tests/support/awsMock";
(async () => {
  await pulumi.runtime.setMocks(new AwsMock(), "compose-on-ec2", "dev", false);
  pulumi.runtime.setAllConfig({ "aws:region": "us-east-1" });
  for (const m of ["@pulumi/aws", "@pulumi/tls", "@pulumi/random", "../components/config", "../components/network", "../components/firewall", "../components/host", "../components/database"]) {
    const t = Date.now();
    require(m);
    console.log(m, Date.now() - t);
  }
  const aws = require("@pulumi/aws");
  let t = Date.now(); void aws.ec2; console.log("aws.ec2", Date.now() - t);
  t = Date.now(); void aws.ec2.Instance; console.log("aws.ec2.Instance", Date.now() - t);
  t = Date.now(); void aws.rds.Instance; console.log("aws.rds.Instance", Date.now() - t);
  t = Date.now(); void aws.vpc.SecurityGroupIngressRule; console.log("aws.vpc", Date.now() - t);
  t = Date.now(); void aws.ssm.getParameterOutput; console.log("aws.ssm", Date.now() - t);
})();
