// ecs: the app's own database login on Fargate. A task whose containers read DATABASE_URL also runs a
// non-essential `db-login` container, and each reader waits for it to exit 0 (dependsOn SUCCESS: "the
// same as COMPLETE, but it also requires that the container exits with a zero status. This condition
// can't be set on an essential container", ECS API Reference, ContainerDependency). It runs inside the
// VPC, in the engine's client image, the same statements as ec2's db-user step (host/bootstrap/db-login.sh):
// as the master user, the certificate verified, it makes the app's login and writes the region's RDS CA
// bundle to the task volume the readers mount read-only at /db-ca (a task volume without a host is
// "an empty data volume" shared by the task's containers: Amazon ECS Developer Guide, bind-mounts.html).
// Only this container gets the master password (from the task's `secrets`); the app gets its own URL.
// It runs at every task start: idempotent, under a lock on the server, about a second plus the image pull.
import type { DbLoginSecretName } from "./config";
import { DB_CA } from "./layout";
import { DB_CLIENT_IMAGES, type DbUserTarget, dbLoginScript } from "./remote";

export const DB_LOGIN_CONTAINER = "db-login";

/** The db-login container's environment entries that hold the passwords → their SSM parameters. */
export const DB_LOGIN_SECRETS = {
  DB_MASTER_PASSWORD: "db/master-password",
  DB_APP_PASSWORD: "db/app-password",
} as const satisfies Record<string, DbLoginSecretName>;

/** What the db-login container needs besides the log configuration every container of the task shares. */
export interface DbLoginInputs {
  target: DbUserTarget;
  /** The CA bundle (PEM) for the database's region: database.ts rdsRegionCaBundle. */
  caBundle: string;
  /** DbLoginSecretName → SSM parameter ARN. */
  secretArns: Record<DbLoginSecretName, string>;
}

/** The db-login container definition (host/bootstrap/db-login.sh's environment contract). */
export function dbLoginContainer(i: DbLoginInputs, logConfiguration: unknown): Record<string, unknown> {
  const t = i.target;
  const environment = Object.entries({
    DB_ENGINE: t.engine,
    DB_HOST: t.address,
    DB_PORT: String(t.port),
    DB_NAME: t.dbName,
    DB_MASTER_USER: t.masterUser,
    DB_APP_USER: t.appUser,
    DB_CA_FILE: `${DB_CA.mount}/${DB_CA.file}`,
    DB_CA_PEM: i.caBundle,
  }).map(([name, value]) => ({ name, value }));
  return {
    name: DB_LOGIN_CONTAINER,
    image: DB_CLIENT_IMAGES[t.engine],
    essential: false,
    entryPoint: ["bash", "-c"],
    command: [dbLoginScript(), DB_LOGIN_CONTAINER],
    environment,
    secrets: Object.entries(DB_LOGIN_SECRETS).map(([name, parameter]) => ({ name,
      valueFrom: i.secretArns[parameter] })
    ),
    mountPoints: [{ sourceVolume: DB_CA.ecsVolume, containerPath: DB_CA.mount, readOnly: false }],
    logConfiguration,
  };
}

/** The task's containers with db-login first when any reads DATABASE_URL, each reader waiting for its success. */
export function withDbLogin(containers: Record<string, unknown>[], readers: string[],
  login: Record<string, unknown>): Record<string, unknown>[] {
  if (readers.length === 0) return containers;
  const waits = { containerName: DB_LOGIN_CONTAINER, condition: "SUCCESS" };
  return [login, ...containers.map((c) =>
    readers.includes(String(c.name))
      ? { ...c, dependsOn: [...((c.dependsOn as unknown[] | undefined) ?? []), waits] }
      : c
  )];
}
