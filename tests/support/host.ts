// Shared by the host tests (tests/unit/host-*.test.ts): the ECR registry they render and provision for,
// and the provision script cloud-init runs.
import * as path from "path";

/** The ECR registry host the tests hand to cloud-init and provision.sh. */
export const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

/** host/cloud-init/provision.sh as it is in the repository. */
export const PROVISION_SCRIPT = path.resolve(__dirname, "..", "..", "host", "cloud-init", "provision.sh");
