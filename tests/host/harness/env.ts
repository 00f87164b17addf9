// The environment tests/host/run.sh hands the scenarios: what its setup scripts started and where.

export interface HostTestEnv {
  /** Compose project name of the app under test (run.sh removes its leftovers on teardown). */
  project: string;
  /** tests/host/lib/sshd.sh: the test's sshd on 127.0.0.1 and its non-root deploy user. */
  sshPort: string;
  sshKey: string;
  knownHosts: string;
  /** The sshd's host public key file (the key the tests pin). */
  hostPublicKeyFile: string;
  sshUser: string;
  deployHome: string;
  /** tests/host/lib/postgres.sh: PostgreSQL as the database, as containers reach it. */
  dbHost: string;
  dbPort: string;
  dbName: string;
  dbUser: string;
  dbPasswordFile: string;
  /** The CA the database's certificate chains to (the stack sends RDS's bundle), and one that signed nothing. */
  dbCaFile: string;
  dbStrangerCaFile: string;
  /** tests/host/lib/dockerd.sh: the shared dockerd. */
  dockerHost: string;
  /** The edge's ports, and the loopback ones behind it (the app's proxy, the ACME client). */
  httpPort: number;
  httpsPort: number;
  proxyPort: number;
  acmePort: number;
  /** Scratch space of this run (bundles, app copies, the command log). */
  workDir: string;
  /** Where the closing lines go; run.sh prints them last. */
  summaryFile: string;
  /** Optional pause between one load worker's requests (default none). */
  loopPauseMs: number;
}

/** Reads the environment run.sh exports; names the variable that is missing. */
export function readEnv(vars: NodeJS.ProcessEnv = process.env): HostTestEnv {
  const need = (name: string): string => {
    const value = vars[name];
    if (!value) throw new Error(`host tests: environment variable ${name} is not set (run tests/host/run.sh)`);
    return value;
  };
  return {
    project: need("E2E_PROJECT"),
    sshPort: need("SSH_PORT"),
    sshKey: need("SSH_KEY"),
    knownHosts: need("SSH_KNOWN_HOSTS"),
    hostPublicKeyFile: need("SSH_HOST_PUBLIC_KEY_FILE"),
    sshUser: need("SSH_USER"),
    deployHome: need("DEPLOY_HOME"),
    dbHost: need("DB_HOST_FOR_CONTAINERS"),
    dbPort: need("DB_PORT"),
    dbName: need("DB_NAME"),
    dbUser: need("DB_USER"),
    dbPasswordFile: need("DB_PASSWORD_FILE"),
    dbCaFile: need("DB_CA_FILE"),
    dbStrangerCaFile: need("DB_STRANGER_CA_FILE"),
    dockerHost: need("DOCKER_HOST"),
    httpPort: Number(need("HTTP_PORT")),
    httpsPort: Number(need("HTTPS_PORT")),
    proxyPort: Number(need("PROXY_PORT")),
    acmePort: Number(need("ACME_PORT")),
    workDir: need("E2E_WORK_DIR"),
    summaryFile: need("SUMMARY_FILE"),
    loopPauseMs: Number(vars.E2E_LOOP_PAUSE_MS ?? "0"),
  };
}
