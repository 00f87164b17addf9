// A compose file as the deployment reads it: parsed with js-yaml, with the line of every mapping key
// and list item, so each message can point at the line to edit. Pure except readComposeFile.

import * as fs from "fs";

/** The stack's settings namespace, used in the fixes messages suggest. */
export const SETTING_PREFIX = "compose-on-ec2:";

/** A path into the document: mapping keys and list indexes, e.g. ["services", "web", "ports", 0]. */
export type ComposePath = ReadonlyArray<string | number>;

/** One service: its name, the line of its key under `services:`, and its settings as written. */
export interface ComposeService {
  name: string;
  line: number;
  spec: Record<string, unknown>;
}

/** A parsed compose file. */
export interface ComposeModel {
  /** The file's name as the user knows it (e.g. "app/docker-compose.prod.yml"); starts every message. */
  file: string;
  /** Top-level `version:` when written (obsolete: compose v2 ignores it, v1.27+ accepts files without it). */
  version?: string;
  /** In file order. */
  services: ComposeService[];
  /** Top-level `volumes:` as written (named volumes), when present. */
  volumes?: unknown;
  /** 1-based line of every located key and list item, keyed by pathKey(path). */
  lines: ReadonlyMap<string, number>;
}

/** Problems with a compose file, reported together so one run shows them all. */
export class ComposeError extends Error {
  constructor(public readonly problems: string[]) {
    super(
      problems.length === 1
        ? problems[0]
        : `${problems.length} problems in the compose file:\n` + problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ComposeError";
  }
}

/**
 * The one message shape: where (file:line), which service, what is wrong, and the exact edit.
 * `service` is omitted for file-level problems.
 */
export function problem(file: string, line: number, service: string | undefined, what: string, fix: string): string {
  return `${file}:${line}: ${service === undefined ? "" : `service "${service}": `}${what}. Fix: ${fix}.`;
}

/** The key a path has in ComposeModel.lines. */
export function pathKey(path: ComposePath): string {
  return JSON.stringify(path);
}

/** Line of the deepest located node on `path` (a value written in flow style shares its key's line). */
export function lineAt(model: ComposeModel, path: ComposePath): number {
  for (let n = path.length; n > 0; n--) {
    const line = model.lines.get(pathKey(path.slice(0, n)));
    if (line !== undefined) return line;
  }
  return 1;
}

/** The service named `name`, if the file has it. */
export function findService(model: ComposeModel, name: string): ComposeService | undefined {
  return model.services.find((s) => s.name === name);
}

/** Reads and parses a compose file; `shownAs` is the name messages use (default: the path). */
export function readComposeFile(filePath: string, shownAs: string = filePath): ComposeModel {
  return parseCompose(fs.readFileSync(filePath, "utf8"), shownAs);
}

/**
 * Parses compose YAML. Refuses (ComposeError) what is not a compose file: invalid YAML, a top level
 * that is not a mapping, no `services:` mapping, a service that is not a mapping.
 */
export function parseCompose(text: string, file: string): ComposeModel {
  const { doc, lines } = loadWithLines(text, file);
  const at = (path: ComposePath) => lines.get(pathKey(path)) ?? 1;
  if (!isMapping(doc)) {
    const found = doc === undefined || doc === null ? "the file is empty" : `its top level is ${describe(doc)}`;
    throw new ComposeError([
      problem(file, 1, undefined, `is not a compose file: ${found}`,
        "start the file with a top-level `services:` mapping, one key per service"),
    ]);
  }
  if (!("services" in doc)) throw new ComposeError([noServicesProblem(file, doc, at)]);
  const services = doc.services;
  if (!isMapping(services)) {
    const found = services === null ? "empty" : describe(services);
    throw new ComposeError([
      problem(file, at(["services"]), undefined, `\`services:\` is ${found}, not a mapping of service names`,
        "write each service as a key under `services:`, e.g. `  web:` followed by its settings indented below it"),
    ]);
  }
  const problems: string[] = [];
  const list: ComposeService[] = [];
  for (const [name, spec] of Object.entries(services)) {
    const line = at(["services", name]);
    if (isMapping(spec)) list.push({ name, line, spec });
    else {
      problems.push(
        problem(file, line, name, `is ${spec === null ? "empty" : describe(spec)}, not a mapping of settings`,
          `give it at least \`image:\` or \`build:\` indented under \`${name}:\``),
      );
    }
  }
  if (list.length === 0 && problems.length === 0) {
    problems.push(
      problem(file, at(["services"]), undefined, "`services:` lists no service",
        "add the services, e.g. `  web:` with `build: .`"),
    );
  }
  if (problems.length > 0) throw new ComposeError(problems);
  const version = doc.version === undefined || doc.version === null ? undefined : String(doc.version);
  return { file, version, services: list, volumes: doc.volumes ?? undefined, lines };
}

/** Missing `services:`: says so, and recognises the legacy version-1 layout (services at the top). */
function noServicesProblem(file: string, doc: Record<string, unknown>, at: (p: ComposePath) => number): string {
  const legacy = Object.keys(doc).filter((k) =>
    isMapping(doc[k]) && ("image" in (doc[k] as object) || "build" in (doc[k] as object))
  );
  if (legacy.length > 0) {
    return problem(file, at([legacy[0]]), undefined,
      `uses the legacy version-1 layout (${legacy.join(", ")} at the top level) and has no \`services:\` key`,
      `add a line \`services:\` above line ${at([legacy[0]])} and indent ${legacy.join(", ")} under it`);
  }
  const keys = Object.keys(doc);
  return problem(file, 1, undefined,
    `is not a compose file: it has no top-level \`services:\` key (top-level keys: ${
      keys.length > 0 ? keys.join(", ") : "none"
    })`, "put the services under a top-level `services:` key");
}

export function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  return `a ${typeof v} (${JSON.stringify(v)})`;
}

// ---------------------------------------------------------------------------------------------
// Line index: js-yaml's listener reports every node as it opens and closes. A scalar that closes
// just before a `:` is a mapping key; the first line inside a node is where it starts.
// ---------------------------------------------------------------------------------------------

interface LoaderState {
  kind: string | null;
  result: unknown;
  line: number;
  position: number;
  input: string;
}
interface YamlException {
  reason?: string;
  mark?: { line: number };
}
// js-yaml ships with @pulumi/pulumi (which reads stack settings with it) without type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require("js-yaml") as {
  load(text: string, opts: { filename: string; listener(event: "open" | "close", state: LoaderState): void }): unknown;
};

/** Deepest path the index follows (services.web.deploy.resources.limits.memory is 6). */
const MAX_INDEX_DEPTH = 8;

interface Frame {
  firstLine?: number;
  keyLines: Map<string, number>;
  childLines: number[];
}

function loadWithLines(text: string, file: string): { doc: unknown; lines: Map<string, number> } {
  const located = new WeakMap<object, Frame>();
  const stack: Frame[] = [];
  const listener = (event: "open" | "close", state: LoaderState) => {
    if (event === "open") {
      stack.push({ keyLines: new Map(), childLines: [] });
      return;
    }
    const frame = stack.pop() as Frame;
    const line = frame.firstLine ?? state.line + 1;
    const parent = stack[stack.length - 1];
    if (parent !== undefined) {
      parent.firstLine ??= line;
      parent.childLines.push(line);
      if (state.kind === "scalar" && /^[ \t]*:/.test(state.input.slice(state.position, state.position + 80))) {
        parent.keyLines.set(String(state.result), line);
      }
    }
    if (typeof state.result === "object" && state.result !== null && !located.has(state.result)) {
      located.set(state.result, frame);
    }
  };
  let doc: unknown;
  try {
    doc = yaml.load(text, { filename: file, listener });
  } catch (err) {
    const e = err as YamlException;
    const line = (e.mark?.line ?? 0) + 1;
    throw new ComposeError([
      problem(file, line, undefined, `is not valid YAML (${e.reason ?? String(err)})`,
        `correct the YAML at line ${line}`),
    ]);
  }
  const lines = new Map<string, number>();
  indexLines(doc, [], located, lines);
  return { doc, lines };
}

function indexLines(node: unknown, path: (string | number)[], located: WeakMap<object, Frame>,
  lines: Map<string, number>): void {
  if (typeof node !== "object" || node === null || path.length >= MAX_INDEX_DEPTH) return;
  const frame = located.get(node);
  const entries: [string | number, unknown][] = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
  for (const [key, value] of entries) {
    const line = typeof key === "number" ? frame?.childLines[key] : frame?.keyLines.get(key);
    if (line !== undefined) lines.set(pathKey([...path, key]), line);
    indexLines(value, [...path, key], located, lines);
  }
}
