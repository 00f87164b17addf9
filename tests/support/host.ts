// Shared by the host tests (tests/unit/host-*.test.ts and those that run host/release's scripts): the
// ECR registry they render and provision for, the provision script cloud-init runs, the release
// scripts' directory, and deploy.sh's flags as the deployment passes them.
import * as path from "path";

/** The ECR registry host the tests hand to cloud-init and provision.sh. */
export const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

/** host/cloud-init/provision.sh as it is in the repository. */
export const PROVISION_SCRIPT = path.resolve(__dirname, "..", "..", "host", "cloud-init", "provision.sh");

/** host/release: the scripts every release carries. */
export const RELEASE_DIR = path.resolve(__dirname, "..", "..", "host", "release");

/** Every flag of deploy.sh but --base-dir (host/release/params.sh's table) with a valid value. */
const DEPLOY_FLAGS: Readonly<Record<string, string>> = {
  "--app-name": "shop",
  "--compose-file": "docker-compose.prod.yml",
  "--web-service": "web",
  "--proxy-service": "nginx",
  "--worker-services": "worker beat",
  "--web-port": "8000",
  "--env-file": ".env.prod",
  "--health-source": "probe",
  "--health-path": "/healthz",
  "--timeout": "120",
  "--busy-timeout": "45",
  "--keep-releases": "5",
  "--mode": "registry",
  "--http-port": "80",
  "--https-port": "443",
  "--proxy-port": "8080",
  "--acme-port": "8402",
  "--hsts": "on",
  "--domains": "shop.example.com www.shop.example.com",
  "--acme-email": "ops@example.com",
  "--acme-server": "https://acme.example/dir",
};

/** DEPLOY_FLAGS as command-line words, with `changes` applied (a flag changed to undefined is left out). */
export function deployArgs(changes: Record<string, string | undefined> = {}): string[] {
  return Object.entries({ ...DEPLOY_FLAGS, ...changes }).flatMap(([flag, value]) =>
    value === undefined ? [] : [flag, value]
  );
}
