// npm run env:import: an old .env file read as compose read it (compose-spec/compose-go
// dotenv/parser.go), sorted into dropped / secretKey / appSecrets / appEnv, and the CLI's usage,
// exit codes and output, which never hold a secret's value.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseDotenv } from "../../scripts/lib/env/dotenv";
import { configSetArgs, settingsToSet, sortEntries } from "../../scripts/lib/env/sort";
import { main, parseArgs, UsageError } from "../../scripts/env-import";

const one = (text: string) => {
  const r = parseDotenv(text);
  assert.deepStrictEqual(r.problems, [], `problems reading ${JSON.stringify(text)}`);
  return Object.fromEntries(r.entries.map((e) => [e.name, e.value]));
};

describe("env:import reads a .env file as compose did", () => {
  const forms: [string, string, Record<string, string>][] = [
    ["a plain entry", "A=b\n", { A: "b" }],
    ["spaces around = and after the value", "A = b  \n", { A: "b" }],
    ["an `export` prefix", "export A=b\n", { A: "b" }],
    ["comment lines and blank lines", "# top\n\n  # indented\nA=b\n", { A: "b" }],
    ["an inline comment after an unquoted value", "A=b # note\n", { A: "b" }],
    ["a # inside an unquoted value without a space before it", "A=b#c\n", { A: "b#c" }],
    ["single quotes: literal, # and \\n kept", "A='b # c\\n'\n", { A: "b # c\\n" }],
    ['double quotes: \\n becomes a line break, \\" a quote', 'A="b\\nc \\"d\\""\n', { A: 'b\nc "d"' }],
    ["a comment after a quoted value", "A='b' # note\n", { A: "b" }],
    ["a multi-line double-quoted value", 'A="line1\nline2"\nB=c\n', { A: "line1\nline2", B: "c" }],
    ["a multi-line single-quoted value (a PEM block)", "K='-----BEGIN X-----\nabc\n-----END X-----'\nB=c\n", {
      K: "-----BEGIN X-----\nabc\n-----END X-----",
      B: "c",
    }],
    ["${VAR} and $VAR from lines above", "HOST=db\nURL=pg://${HOST}:5432/$HOST\n", { HOST: "db",
      URL: "pg://db:5432/db" }],
    ["${VAR:-default} when nothing above sets it", "A=${NOPE:-x}\n", { A: "x" }],
    ["${VAR} kept literal in single quotes", "A='${B}'\n", { A: "${B}" }],
    ["a YAML-style colon", "A: b\n", { A: "b" }],
    ["CRLF line ends", "A=b\r\nC=d\r\n", { A: "b", C: "d" }],
    ["an empty value", "A=\nB=''\n", { A: "", B: "" }],
  ];
  for (const [what, text, expected] of forms) it(`reads ${what}`, () => assert.deepStrictEqual(one(text), expected));

  it("keeps the last of a name set twice and reports the lines", () => {
    const r = parseDotenv("A=1\nB=2\nA=3\n");
    assert.deepStrictEqual(r.entries.map((e) => [e.name, e.value]), [["B", "2"], ["A", "3"]]);
    assert.deepStrictEqual(r.duplicates, [{ name: "A", lines: [1, 3] }]);
  });
  it("reports an unclosed quote and a line that is no entry, by line", () => {
    assert.match(parseDotenv("A=1\nB='open\n").problems.join(), /line 2: B's single-quoted value is never closed/);
    assert.match(parseDotenv("A=1\n-x=2\n").problems.join(), /line 2: does not start with a variable name/);
  });
  it("marks a ${VAR} nothing above sets, and a name without a value", () => {
    const r = parseDotenv("A=${MISSING}\nB\n");
    assert.deepStrictEqual(r.entries.map((e) => [e.name, e.unresolved, e.inherited]), [["A", ["MISSING"], false], ["B",
      [], true]]);
  });
});

const OPTS = { stage: "prod" as const, webService: "web", deployMode: "host" as const, secret: [], plain: [] };
const STRIPE = "sk_live_0123456789abcdefSECRET";

describe("env:import sorts each entry", () => {
  const file = [
    "DATABASE_URL=postgres://u:p@old-host/db",
    "ALLOWED_HOSTS=example.com",
    "SECRET_KEY=old-django-key-0123456789",
    "DJANGO_SECRET_KEY=old-django-key-0123456789",
    `STRIPE_SECRET_KEY=${STRIPE}`,
    "EMAIL_HOST_PASSWORD='smtp pass'",
    "DJANGO_LOG_LEVEL=INFO",
    "DJANGO_DEBUG=1",
    "COMPOSE_PROJECT_NAME=old",
    "HTTP_PORT=80",
    "SENTRY_DSN=https://k@s/1",
  ].join("\n");
  const { sorted, problems } = sortEntries(parseDotenv(file), OPTS);
  const to = Object.fromEntries(sorted.map((s) => [s.name, s.to]));
  const why = (name: string) => sorted.find((s) => s.name === name)?.why ?? "";

  it("drops deployment-owned names, saying where their value comes from", () => {
    assert.strictEqual(to.DATABASE_URL, "dropped");
    assert.match(why("DATABASE_URL"), /RDS/);
    assert.match(why("ALLOWED_HOSTS"), /domain/);
    assert.strictEqual(to.COMPOSE_PROJECT_NAME, "dropped");
    assert.strictEqual(to.HTTP_PORT, "dropped");
  });
  it("keeps the Django key as secretKey (once, for both names)", () => {
    assert.deepStrictEqual([to.SECRET_KEY, to.DJANGO_SECRET_KEY], ["secretKey", "dropped"]);
  });
  it("puts secret-looking names in appSecrets and the others in appEnv; prod drops a debug switch", () => {
    assert.deepStrictEqual([to.STRIPE_SECRET_KEY, to.EMAIL_HOST_PASSWORD, to.SENTRY_DSN, to.DJANGO_LOG_LEVEL,
      to.DJANGO_DEBUG], ["appSecrets", "appSecrets", "appSecrets", "appEnv", "dropped"]);
    assert.deepStrictEqual(problems, []);
  });
  it("follows --secret and --plain over the name's look", () => {
    const r = sortEntries(parseDotenv("PUBLIC_KEY=pk\nSHOP_ID=42\n"), { ...OPTS, secret: ["SHOP_ID"],
      plain: ["PUBLIC_KEY"] });
    assert.deepStrictEqual(r.sorted.map((s) => [s.name, s.to]), [["PUBLIC_KEY", "appEnv"], ["SHOP_ID", "appSecrets"]]);
  });

  const refusals: [string, string, RegExp][] = [
    ["an invalid name", "my.key=x\n", /line 1: my\.key is not a valid variable name.*Fix: rename it, e\.g\. MY_KEY/],
    ["a value with ${ the file does not set", "A_TOKEN=${FROM_SHELL}\n",
      /line 1: A_TOKEN refers to \$\{FROM_SHELL\}.*Fix: write the resolved value/],
    ["a literal ${ in single quotes (compose v1 would interpolate it)", "A='x${B}'\n",
      /line 1: A: value of A contains "\$\{".*Fix:/],
    ["a multi-line value", 'K="a\nb"\n', /line 1: K: value of K contains a line break.*base64/],
    ["a value with a single quote", 'A="it\'s"\n', /contains ' or \\/],
    ["two different Django keys", "SECRET_KEY=a1\nDJANGO_SECRET_KEY=b2\n", /SECRET_KEY and DJANGO_SECRET_KEY differ/],
  ];
  for (const [what, text, expected] of refusals) {
    it(`refuses ${what}, naming the line and the fix but not the value`, () => {
      const r = sortEntries(parseDotenv(text), OPTS);
      assert.match(r.problems.join("\n"), expected);
      for (const v of ["FROM_SHELL_VALUE", "it's"]) assert.ok(!r.problems.join("\n").includes(v));
    });
  }

  it("sets appEnv and appSecrets as one JSON object each, merged with the stack's, values on stdin only", () => {
    const settings = settingsToSet(sorted, { appSecrets: { OLD_TOKEN: "t" } });
    assert.deepStrictEqual(settings.map((s) => [s.key, s.secret]), [["secretKey", true], ["appEnv", false], [
      "appSecrets",
      true,
    ]]);
    assert.deepStrictEqual(Object.keys(JSON.parse(settings[2].value)), ["EMAIL_HOST_PASSWORD", "OLD_TOKEN",
      "SENTRY_DSN", "STRIPE_SECRET_KEY"]);
    for (const s of settings) assert.ok(!configSetArgs("prod", s).join(" ").includes(STRIPE));
    assert.deepStrictEqual(configSetArgs("prod", settings[2]), ["config", "set", "--stack", "prod", "--secret",
      "appSecrets"]);
  });
});

describe("env:import on the command line", () => {
  const run = (argv: string[], hasCli = false) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) }, () => hasCli);
    return { code, out: out.join("\n"), err: err.join("\n") };
  };
  const envFile = (text: string) => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "envimport-")), ".env.prod");
    fs.writeFileSync(f, text);
    return f;
  };

  it("--help prints the usage and exits 0; bad usage exits 2", () => {
    assert.match(run(["--help"]).out, /usage: npm run env:import/);
    assert.strictEqual(run([]).code, 2);
    assert.strictEqual(run(["x.env"]).code, 2, "no --stack");
    assert.strictEqual(run(["x.env", "--stack", "prod", "--bogus"]).code, 2);
    assert.throws(() => parseArgs(["a", "--stack", "p", "--secret", "A", "--plain", "A"]), UsageError);
  });
  it("exits 1 when the file cannot be read or an entry cannot be imported", () => {
    assert.strictEqual(run(["/nonexistent/.env.prod", "--stack", "prod"]).code, 1);
    const r = run([envFile(`A_TOKEN=\${X}\nB=${STRIPE}\n`), "--stack", "prod"]);
    assert.strictEqual(r.code, 1);
    assert.match(r.err, /nothing was set/);
  });
  it("--dry-run shows the sorting and never a value", () => {
    const r = run([envFile(`STRIPE_SECRET_KEY=${STRIPE}\nDJANGO_LOG_LEVEL=INFO_LEVEL_X\n`), "--stack", "prod",
      "--dry-run"]);
    assert.strictEqual(r.code, 0);
    assert.match(r.out, /STRIPE_SECRET_KEY\s+→ appSecrets/);
    assert.ok(!r.out.includes(STRIPE) && !r.out.includes("INFO_LEVEL_X"));
  });
  it("without the Pulumi CLI prints the exact commands, the values in 0600 files, never on the screen", () => {
    const r = run([envFile(`STRIPE_SECRET_KEY=${STRIPE}\nSECRET_KEY=keep-this-django-key\n`), "--stack", "prod"]);
    assert.strictEqual(r.code, 0);
    assert.ok(!r.out.includes(STRIPE) && !r.out.includes("keep-this-django-key"));
    const line = /pulumi config set --stack prod --secret appSecrets < (\S+)/.exec(r.out);
    assert.ok(line, r.out);
    assert.strictEqual((fs.statSync(line[1]).mode & 0o777).toString(8), "600");
    assert.deepStrictEqual(JSON.parse(fs.readFileSync(line[1], "utf8")), { STRIPE_SECRET_KEY: STRIPE });
    assert.match(r.out, /pulumi config set --stack prod --secret secretKey < \S+/);
  });
});
