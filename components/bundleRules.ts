// What must never leave the machine in a bundle, judged by path and by content. Pure functions.
// A bundle is unpacked on the host and often built with `COPY . .`, so whatever it holds ends up on
// the instance and in the image. These rules hold unless a file is ignored (.dockerignore,
// .deployignore) or allowed on purpose (the allowFiles option).

/** Directory names that are never packed, at any depth: version control and credential stores. */
const SECRET_DIRS: Record<string, string> = {
  ".git": "a git directory (history, remotes, maybe credentials)",
  ".aws": "AWS credentials and config",
  ".ssh": "SSH keys and config",
  ".docker": "Docker client config (registry credentials in config.json)",
  ".kube": "Kubernetes client config (cluster credentials)",
  ".gnupg": "GnuPG keys",
  ".azure": "Azure CLI credentials",
  ".terraform": "Terraform's working directory (provider settings, maybe state)",
};

/** Paths (app-relative, "/"-separated, lower case) of tool credentials that live in a shared directory, matched at any depth. */
const SECRET_PATHS: Record<string, string> = {
  ".config/gcloud": "Google Cloud CLI credentials",
  ".config/gh": "GitHub CLI credentials",
};

/** File names that are never packed, at any depth. */
const SECRET_FILES: Record<string, string> = {
  ".npmrc": "npm config (registry tokens)",
  ".pypirc": "PyPI config (upload tokens)",
  ".netrc": "netrc (passwords)",
  ".git-credentials": "git credentials",
  ".envrc": "a direnv file (exported environment, often secrets)",
  ".pgpass": "a PostgreSQL password file",
  ".my.cnf": "a MySQL client config (passwords)",
  ".mylogin.cnf": "a MySQL login path file (passwords)",
  ".boto": "boto credentials",
  ".s3cfg": "s3cmd config (access keys)",
  ".htpasswd": "an htpasswd file (password hashes)",
  id_rsa: "an SSH private key (by its name)",
  id_dsa: "an SSH private key (by its name)",
  id_ecdsa: "an SSH private key (by its name)",
  id_ecdsa_sk: "an SSH private key (by its name)",
  id_ed25519: "an SSH private key (by its name)",
  id_ed25519_sk: "an SSH private key (by its name)",
};

/** Extensions (lower case; names are compared in lower case) of key stores, keys and tool state. */
const SECRET_EXTENSIONS: Record<string, string> = {
  ".pem": "a PEM file (keys or certificates)",
  ".key": "a private key file (by its extension)",
  ".p12": "a PKCS#12 key store",
  ".pfx": "a PKCS#12 key store",
  ".jks": "a Java key store",
  ".keystore": "a key store",
  ".ppk": "a PuTTY private key (by its extension)",
  ".tfstate": "Terraform state (holds every secret of its resources in plain text)",
  ".tfstate.backup": "Terraform state (holds every secret of its resources in plain text)",
  ".tfvars": "Terraform variables (often credentials)",
};

/** Words that mark an env file as a template that ships (`.env.example`, `sample.env`, `.env-template`); its content is still checked. */
export const ENV_TEMPLATE_WORDS = ["example", "sample", "template", "dist"] as const;

/** True for an environment file's name: `.env`, `.env.prod`, `.env-prod`, `.env_prod`, `prod.env`, `env.prod` (any case). */
export function isEnvFileName(name: string): boolean {
  const n = name.toLowerCase();
  return n === ".env" || /^\.env[._-]./.test(n) || /.\.env$/.test(n)
    || /^env\.[a-z0-9_-]+$/.test(n) && !/^env\.(py|js|ts|rb|go|sh|json|ya?ml|toml|cfg|ini|txt|md)$/.test(n);
}

/** The size of each read of the content check; a key marker across two reads is still found. */
export const KEY_SCAN_CHUNK_BYTES = 64 * 1024;

/** PEM private keys of every kind (PKCS#1, PKCS#8, EC, DSA, OpenSSH, encrypted) and PuTTY keys. */
const PRIVATE_KEY = /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----|PuTTY-User-Key-File-\d+:/;

/** Why the path `rel` (app-relative, "/"-separated) must never ship, or undefined. */
export function secretPathReason(rel: string, isDir: boolean): string | undefined {
  const parts = rel.split("/");
  const dirs = isDir ? parts : parts.slice(0, -1);
  for (const dir of dirs) if (Object.hasOwn(SECRET_DIRS, dir)) return SECRET_DIRS[dir];
  const lower = `/${rel.toLowerCase()}`;
  const toolPath = Object.keys(SECRET_PATHS).find((p) => lower.endsWith(`/${p}`) || lower.includes(`/${p}/`));
  if (toolPath !== undefined) return SECRET_PATHS[toolPath];
  if (isDir) return undefined;
  const name = parts[parts.length - 1];
  if (Object.hasOwn(SECRET_DIRS, name)) return SECRET_DIRS[name]; // e.g. a worktree's `.git` file
  if (Object.hasOwn(SECRET_FILES, name)) return SECRET_FILES[name];
  const lowerName = name.toLowerCase();
  if (isEnvFileName(name) && !ENV_TEMPLATE_WORDS.some((w) => lowerName.includes(w))) {
    return "an environment file (move its entries into the stack with `npm run env:import`: appEnv, or appSecrets for secrets; the deploy writes the host's .env)";
  }
  const ext = Object.keys(SECRET_EXTENSIONS).find((e) => lowerName.endsWith(e));
  return ext === undefined ? undefined : SECRET_EXTENSIONS[ext];
}

/** Why a file holding `bytes` must never ship, or undefined. Names the key type only. */
export function secretContentReason(bytes: Buffer): string | undefined {
  const match = PRIVATE_KEY.exec(bytes.toString("latin1"));
  if (!match) return undefined;
  return match[0].startsWith("PuTTY")
    ? "a PuTTY private key (by its content)"
    : `a private key (holds a "-----BEGIN ${match[1]}PRIVATE KEY-----" block)`;
}

/** Longest text PRIVATE_KEY can match across a read boundary (a marker with a long key type). */
const MARKER_OVERLAP = 256;

/**
 * Why a file must never ship, judged by its whole content read as a stream (`readChunk` fills a buffer, 0 at the end): chunks of
 * KEY_SCAN_CHUNK_BYTES, each searched with the tail of the one before, so memory stays flat and a
 * key that starts anywhere (after a long preamble, at the end of a bundle of certificates) is found.
 */
export function secretStreamReason(readChunk: (buf: Buffer) => number): string | undefined {
  // One buffer for the whole file: the tail of the last read, then the next read after it.
  const window = Buffer.alloc(MARKER_OVERLAP + KEY_SCAN_CHUNK_BYTES);
  let carried = 0;
  for (;;) {
    const n = readChunk(window.subarray(carried));
    if (n <= 0) return undefined;
    const filled = carried + n;
    const reason = secretContentReason(window.subarray(0, filled));
    if (reason) return reason;
    carried = Math.min(MARKER_OVERLAP, filled);
    window.copy(window, 0, filled - carried, filled);
  }
}

/** A file the rules refuse, for the error message. */
export interface Refusal {
  /** Path as the user knows it (the app directory joined with the relative path). */
  path: string;
  reason: string;
}

/** At most this many refusals are listed one by one. */
const LISTED_REFUSALS = 20;

/** The error text for refused files: each file and why, then both fixes. */
export function refusalMessage(appDir: string, refusals: Refusal[]): string {
  const listed = refusals.slice(0, LISTED_REFUSALS).map((r) => `  ${r.path}: ${r.reason}`);
  if (refusals.length > LISTED_REFUSALS) listed.push(`  … and ${refusals.length - LISTED_REFUSALS} more`);
  return [
    `bundle: ${appDir} holds ${refusals.length === 1 ? "a file" : "files"} that must never ship `
    + `(the host would receive ${
      refusals.length === 1 ? "it" : "them"
    }, and an image built with \`COPY . .\` would bake ${refusals.length === 1 ? "it" : "them"} in):`,
    ...listed,
    `Fix: keep ${
      refusals.length === 1 ? "it" : "each"
    } out with a line in ${appDir}/.deployignore (e.g. "**/.env", "**/*.pem", ".git"); `
    + `or, to ship one on purpose, list it or a pattern for it in the stack setting appAllowFiles (e.g. ["certs/ca.pem"]).`,
  ].join("\n");
}
