// What must never leave the machine in a bundle, judged by path and by content. Pure functions.
// A bundle is unpacked on the host and often built with `COPY . .`, so whatever it holds ends up on
// the instance and in the image. These rules hold unless a file is ignored (.dockerignore,
// .deployignore) or allowed on purpose (the allowFiles option).

/** Directory names that are never packed, at any depth: version control and credential stores. */
const SECRET_DIRS: Record<string, string> = {
  ".git": "a git directory (history, remotes, maybe credentials)",
  ".aws": "AWS credentials and config",
  ".ssh": "SSH keys and config",
};

/** File names that are never packed, at any depth. */
const SECRET_FILES: Record<string, string> = {
  ".npmrc": "npm config (registry tokens)",
  ".pypirc": "PyPI config (upload tokens)",
  ".netrc": "netrc (passwords)",
  ".git-credentials": "git credentials",
  ".envrc": "a direnv file (exported environment, often secrets)",
  id_rsa: "an SSH private key (by its name)",
  id_dsa: "an SSH private key (by its name)",
  id_ecdsa: "an SSH private key (by its name)",
  id_ecdsa_sk: "an SSH private key (by its name)",
  id_ed25519: "an SSH private key (by its name)",
  id_ed25519_sk: "an SSH private key (by its name)",
};

/** Extensions of key and certificate stores. */
const SECRET_EXTENSIONS: Record<string, string> = {
  ".pem": "a PEM file (keys or certificates)",
  ".p12": "a PKCS#12 key store",
  ".pfx": "a PKCS#12 key store",
};

/** `.env.<suffix>` names that are templates by convention and ship (their content is still checked). */
export const ENV_TEMPLATES = [".env.example", ".env.sample", ".env.template"] as const;

/** How much of each file the content check reads: private keys are small and start near the top. */
export const KEY_SCAN_BYTES = 64 * 1024;

/** PEM private keys of every kind (PKCS#1, PKCS#8, EC, DSA, OpenSSH, encrypted) and PuTTY keys. */
const PRIVATE_KEY = /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----|PuTTY-User-Key-File-\d+:/;

/** Why the path `rel` (app-relative, "/"-separated) must never ship, or undefined. */
export function secretPathReason(rel: string, isDir: boolean): string | undefined {
  const parts = rel.split("/");
  const dirs = isDir ? parts : parts.slice(0, -1);
  for (const dir of dirs) if (Object.hasOwn(SECRET_DIRS, dir)) return SECRET_DIRS[dir];
  if (isDir) return undefined;
  const name = parts[parts.length - 1];
  if (Object.hasOwn(SECRET_DIRS, name)) return SECRET_DIRS[name]; // e.g. a worktree's `.git` file
  if (Object.hasOwn(SECRET_FILES, name)) return SECRET_FILES[name];
  if (name === ".env" || (name.startsWith(".env.") && !(ENV_TEMPLATES as readonly string[]).includes(name))) {
    return "an environment file (app settings belong in the stack's appEnv, which the deploy writes to the host's .env)";
  }
  const ext = Object.keys(SECRET_EXTENSIONS).find((e) => name.endsWith(e));
  return ext === undefined ? undefined : SECRET_EXTENSIONS[ext];
}

/** Why a file whose first bytes are `head` must never ship, or undefined. Names the key type only. */
export function secretContentReason(head: Buffer): string | undefined {
  const match = PRIVATE_KEY.exec(head.toString("latin1"));
  if (!match) return undefined;
  return match[0].startsWith("PuTTY") ? "a PuTTY private key (by its content)" : `a private key (holds a "-----BEGIN ${match[1]}PRIVATE KEY-----" block)`;
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
    `bundle: ${appDir} holds ${refusals.length === 1 ? "a file" : "files"} that must never ship ` +
      `(the host would receive ${refusals.length === 1 ? "it" : "them"}, and an image built with \`COPY . .\` would bake ${refusals.length === 1 ? "it" : "them"} in):`,
    ...listed,
    `Fix: keep ${refusals.length === 1 ? "it" : "each"} out with a line in ${appDir}/.deployignore (e.g. "**/.env", "**/*.pem", ".git"); ` +
      `or, to ship one on purpose, list it or a pattern for it in the stack setting appAllowFiles (e.g. ["certs/ca.pem"]).`,
  ].join("\n");
}
