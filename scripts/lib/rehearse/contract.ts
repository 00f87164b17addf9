// The app's contract with the deployment, as the rehearsal checks it: pure judgements of what the
// running release answered, each failure with its cause and the exact fix (file and line where the
// app directory shows them). The HTTP and Docker work is in run.ts; these are tested without either
// (tests/unit/rehearse-contract.test.ts).
import * as fs from "fs";
import * as path from "path";

/** One check of the rehearsal: passed, or failed with its cause and fix. */
export interface Finding {
  check: string;
  ok: boolean;
  /** What was seen (status, body excerpt, path…). */
  detail: string;
  cause?: string;
  fix?: string;
}

/** What an HTTP request got back (transport error or status and body). */
export interface Answer {
  status?: number;
  body: string;
  error?: string;
}

const pass = (check: string, detail: string): Finding => ({ check, ok: true, detail });
const fail = (check: string, detail: string, cause: string, fix: string): Finding => ({ check, ok: false, detail, cause,
  fix });
const seen = (
  a: Answer,
): string => (a.error !== undefined
  ? `no answer (${a.error})`
  : `HTTP ${a.status}: ${a.body.replace(/\s+/g, " ").trim().slice(0, 100)}`);

/** Where in the app directory a line matching `pattern` is: "file:line", the first in path order. */
export function locate(appDir: string, pattern: RegExp,
  only: RegExp = /\.(py|conf|ya?ml|txt|sh|cfg|ini|toml)$|Dockerfile/): string | undefined {
  const files: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 6 || files.length > 2000) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith(".") || e.name === "node_modules" || e.name === "__pycache__") continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full, depth + 1);
      else if (e.isFile() && only.test(e.name)) files.push(full);
    }
  };
  if (!fs.existsSync(appDir)) return undefined;
  walk(appDir, 0);
  for (const file of files) {
    const lines = fs.readFileSync(file, "utf8").split("\n");
    const i = lines.findIndex((l) => pattern.test(l));
    if (i >= 0) return `${path.relative(process.cwd(), file)}:${i + 1}`;
  }
  return undefined;
}

/** The Django settings file of the app (the one that sets ALLOWED_HOSTS or DATABASES), as "file:line". */
export function settingsAt(appDir: string, setting: string): string {
  return locate(appDir, new RegExp(`^\\s*${setting}\\s*[=+]`))
    ?? locate(appDir, /^\s*(ALLOWED_HOSTS|DATABASES|INSTALLED_APPS)\s*=/) ?? "your settings.py";
}

/**
 * The health path, asked through the app's proxy with `Host: 127.0.0.1` as the deploy asks it; when
 * that is refused, `withSiteHost` is the same path asked with one of the stack's own names, which
 * tells a missing route (404 there too) from a route that the host check stops first.
 */
export function judgeHealth(healthPath: string, a: Answer, appDir: string, deployReason?: string,
  withSiteHost?: Answer): Finding {
  const check = `health: GET ${healthPath} with Host: 127.0.0.1 answers 2xx (what the deploy waits for)`;
  const contract =
    "a view that answers before the host check (a middleware first in MIDDLEWARE, docs/reference/app-contract.md)";
  if (a.status !== undefined && a.status >= 200 && a.status < 300) return pass(check, seen(a));
  const detail = `${seen(a)}${withSiteHost ? `; with the stack's host name: ${seen(withSiteHost)}` : ""}${
    deployReason ? `; the deploy said: ${deployReason}` : ""
  }`;
  const middlewareAt = locate(appDir, /^\s*MIDDLEWARE\s*=/) ?? settingsAt(appDir, "MIDDLEWARE");
  if (a.status === 404 || (a.status === 400 && withSiteHost?.status === 404)) {
    return fail(check, detail,
      `the app has no route for ${healthPath}${
        a.status === 400 ? " (and Host: 127.0.0.1 is refused by ALLOWED_HOSTS before any view runs)" : ""
      }: the deploy probes it until healthTimeoutSeconds, then rolls back`,
      `add ${contract} at ${middlewareAt}, or set healthPath to a route that answers 2xx with Host: 127.0.0.1`);
  }
  if (a.status === 400) {
    return fail(check, detail,
      `ALLOWED_HOSTS refuses Host: 127.0.0.1 before the health view runs (Django's DisallowedHost → 400)`,
      `answer ${healthPath} in a middleware placed before CommonMiddleware (${middlewareAt}); do not add 127.0.0.1 to ALLOWED_HOSTS for it`);
  }
  if (a.status === 301 || a.status === 302 || a.status === 308) {
    return fail(check, detail, `${healthPath} redirects (SECURE_SSL_REDIRECT or APPEND_SLASH?): the deploy needs a 2xx`,
      `exempt the health path: SECURE_REDIRECT_EXEMPT = [r"^${healthPath.replace(/^\//, "")}$"] at ${
        settingsAt(appDir, "SECURE_SSL_REDIRECT")
      }, or answer it in a middleware before SecurityMiddleware`);
  }
  if (a.status !== undefined && a.status >= 500) {
    return fail(check, detail,
      "the health view fails (database unreachable, or an error in the app: see the web container's log)",
      `read DATABASE_URL in ${
        settingsAt(appDir, "DATABASES")
      } (docs/reference/app-contract.md) and check the web container's log (--keep)`);
  }
  return fail(check, detail, "the app's proxy does not answer",
    'check that the proxy service publishes "${HTTP_PORT:-80}:80" and proxies to web (the plan names its compose findings)');
}

/** A page through the edge, asked with each of the stack's host names. */
export function judgeHostNames(answers: { host: string; answer: Answer }[], appDir: string): Finding {
  const check = `hosts: GET / through the edge answers with each name the stack serves (${
    answers.map((a) => a.host).join(", ")
  })`;
  const refused = answers.filter((a) => a.answer.status === 400 || a.answer.status === undefined);
  if (refused.length === 0) return pass(check, answers.map((a) => `${a.host}: ${seen(a.answer)}`).join("; "));
  return fail(check, refused.map((a) => `${a.host}: ${seen(a.answer)}`).join("; "),
    "ALLOWED_HOSTS does not take the deployment's value: the deployment writes ALLOWED_HOSTS (comma-separated) to the env file, and the app reads another name or format (DJANGO_ALLOWED_HOSTS, spaces)",
    `ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()] at ${
      settingsAt(appDir, "ALLOWED_HOSTS")
    }`);
}

/** What the proxy does with X-Forwarded-Proto, from its own configuration (`nginx -T`). */
export function judgeProxyForwardsProto(nginxT: string | undefined, appDir: string): Finding {
  const check = "proxy: passes the edge's X-Forwarded-Proto on to web (HTTPS is terminated by the edge)";
  if (nginxT === undefined) return pass(check, "not nginx (no `nginx -T`): not judged from its configuration");
  const overrides = nginxT.split("\n").filter((l) =>
    /^\s*proxy_set_header\s+X-Forwarded-Proto\s+/i.test(l) && !/\$http_x_forwarded_proto|\$forwarded_proto/i.test(l)
  );
  if (overrides.length === 0) {
    return pass(check,
      "the proxy keeps the client's X-Forwarded-Proto (none of its proxy_set_header lines replaces it)");
  }
  const line = overrides[0].trim();
  const where = locate(appDir, new RegExp(line.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))) ?? "the proxy's nginx config";
  return fail(check, `nginx: ${line}`,
    "the proxy replaces X-Forwarded-Proto with its own scheme (http: the edge reaches it over plain HTTP), so the app never sees HTTPS: secure cookies, redirects and CSRF's origin check fail",
    `at ${where}: pass the edge's value on: \`proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;\` (or the map in docs/reference/app-contract.md)`);
}

/** A POST with a CSRF token over forwarded HTTPS, and whether the app saw HTTPS. */
export function judgeCsrf(probes: { noToken: Answer; secureNoReferer: Answer; fullPost: Answer }, origin: string,
  appDir: string, proxy?: Finding): Finding[] {
  const active = probes.noToken.status === 403 && /csrf/i.test(probes.noToken.body);
  const seesHttps = `app: sees HTTPS behind the edge (X-Forwarded-Proto honoured: SECURE_PROXY_SSL_HEADER)`;
  const post = `csrf: a POST with a CSRF token from ${origin} over forwarded HTTPS is accepted`;
  if (!active) {
    const note = `no CSRF check on POST / (a POST without a token got ${seen(probes.noToken)}): not judged`;
    return [pass(seesHttps, note), pass(post, note)];
  }
  const out: Finding[] = [];
  // Django checks the Referer of a POST only when the request is secure: a token without a Referer
  // is refused exactly when the app sees HTTPS (django/middleware/csrf.py, REASON_NO_REFERER).
  const https = probes.secureNoReferer.status === 403 && /referer/i.test(probes.secureNoReferer.body);
  out.push(https
    ? pass(seesHttps,
      'a POST without a Referer over forwarded HTTPS got Django\'s "no Referer" refusal: the request is secure')
    : proxy && !proxy.ok
    ? fail(seesHttps,
      `a POST without a Referer over forwarded HTTPS got ${
        seen(probes.secureNoReferer)
      } (Django checks the Referer only on secure requests)`,
      "the proxy replaces X-Forwarded-Proto before the app sees it (the proxy check names the line): request.is_secure() is false behind the edge",
      proxy.fix ?? "")
    : fail(seesHttps,
      `a POST without a Referer over forwarded HTTPS got ${
        seen(probes.secureNoReferer)
      } (Django checks the Referer only on secure requests)`,
      "the app does not trust the proxy's X-Forwarded-Proto: request.is_secure() is false behind the edge",
      `SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") at ${
        settingsAt(appDir, "SECURE_PROXY_SSL_HEADER")
      }`));
  const accepted = probes.fullPost.status !== undefined && probes.fullPost.status !== 403;
  out.push(accepted
    ? pass(post, seen(probes.fullPost))
    : fail(post, seen(probes.fullPost),
      `Django refuses the origin ${origin} (Django 4+ checks Origin against the request's scheme and host, and CSRF_TRUSTED_ORIGINS)`,
      `CSRF_TRUSTED_ORIGINS = ["${origin}"] (one https:// origin per name) at ${
        settingsAt(appDir, "CSRF_TRUSTED_ORIGINS")
      }, with SECURE_PROXY_SSL_HEADER set`));
  return out;
}

/** Static files through the proxy: one file the page links (or the given path). */
export function judgeStatic(url: string | undefined, a: Answer | undefined, appDir: string): Finding {
  const check = "static: a static file the page links is served through the proxy";
  if (url === undefined || a === undefined) return pass(check, "the page links no file under STATIC_URL: not judged");
  if (a.status === 200) return pass(check, `${url}: ${seen(a).slice(0, 40)}`);
  return fail(check, `${url}: ${seen(a)}`,
    "the proxy does not serve what collectstatic wrote: STATIC_ROOT and the proxy's static location must meet in one named volume (paths of the old box, or a bind of a release directory, break it)",
    `collect into the volume web and the proxy share: STATIC_ROOT at ${
      settingsAt(appDir, "STATIC_ROOT")
    }, the proxy's \`location /static/\` at ${
      locate(appDir, /location\s+\/static/) ?? "its nginx config"
    } (docs/reference/app-contract.md)`);
}

/** The migrations' tables in the stand-in database (not in a file inside the container). */
export function judgeMigrations(tables: string[] | undefined, error: string | undefined, appDir: string): Finding {
  const check = "database: the migrations' tables are in the database DATABASE_URL names";
  if (tables !== undefined && tables.includes("django_migrations")) {
    return pass(check, `${tables.length} tables, django_migrations among them`);
  }
  const detail = error ?? `tables: ${tables && tables.length > 0 ? tables.join(", ") : "none"}`;
  return fail(check, detail,
    'the app\'s migrations ran against another database: its settings do not read DATABASE_URL (SQL_HOST/SQL_PORT-style variables with an sqlite fallback), so migrate "succeeds" on a file in the container and the data is lost with it',
    `DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])} (or the parser in docs/reference/app-contract.md) at ${
      settingsAt(appDir, "DATABASES")
    }`);
}

/**
 * Bind mounts of the running containers that resolve into a release directory: under the releases
 * directory, or under the `active` link (compose passes the link's path; Docker resolves it when it
 * creates the container).
 */
export function judgeMounts(mounts: { service: string; source: string; destination: string }[], releaseRoots: string[],
  composeFile: string): Finding {
  const check = "mounts: no container binds a directory of a release (it is pruned with the release)";
  const bad = mounts.filter((m) => releaseRoots.some((root) => m.source === root || m.source.startsWith(`${root}/`)));
  if (bad.length === 0) return pass(check, `${mounts.length} bind mount(s), none into ${releaseRoots.join(" or ")}`);
  return fail(check, bad.map((m) => `${m.service}: ${m.source} → ${m.destination}`).join("; "),
    "a relative bind mount resolves through the release link when the container is created: after a switch the container keeps the first release's files, and once keepReleases prunes it the mount is empty",
    `in ${composeFile}, mount a named volume there instead (the plan names the line and the edit)`);
}

/** The redeploy under load: the gapless switch. */
export function judgeRedeploy(deployOk: boolean, reason: string, total: number, failed: number,
  samples: string[]): Finding {
  const check = "redeploy: a second release switches in under load without a failed request";
  if (!deployOk) {
    return fail(check, reason, "the second release did not deploy",
      "read the deploy's reason above; its full log is under the rehearsal's base directory (--keep)");
  }
  if (failed === 0) return pass(check, `${total} requests, 0 failed`);
  return fail(check, `${failed} of ${total} requests failed (${samples.join("; ")})`,
    "requests failed while the release switched",
    "see the switch's notes in docs/explanation/deploy-on-host.md (a proxy that caches web's address, a web that ignores SIGTERM)");
}

/** Every failed check, one block each: what, cause, fix. */
export function describe(findings: Finding[]): string[] {
  return findings.map((
    f,
  ) => (f.ok
    ? `PASS ${f.check}: ${f.detail}`
    : `FAIL ${f.check}: ${f.detail}\n     cause: ${f.cause}\n     fix: ${f.fix}`)
  );
}
