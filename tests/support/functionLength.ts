// How long the project's functions are, TypeScript and shell, counted the same simple way: from the
// line a function starts on (its signature, not the comment above it) to the line it ends on, both
// included, blank lines and comments inside it too. A function inside another counts for both.
//   TypeScript: every function the compiler parses (declarations, methods, constructors, accessors,
//   arrow functions, function expressions), read with the TypeScript compiler API. In test files
//   (*.test.ts) the callbacks handed to describe() are not counted: they are lists of tests, not
//   logic; each test's own callback is.
//   Shell: a function is `name() {` at column 0 up to the next `}` at column 0 (the layout every
//   .sh file here uses; one written on one line counts as one line).
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

export const ROOT = path.resolve(__dirname, "..", "..");

/** One function: where it is (project-relative path, first line, 1-based) and how many lines it spans. */
export interface FunctionSpan {
  file: string;
  line: number;
  name: string;
  lines: number;
}

/** Every file below the project root with one of these endings, outside node_modules and dot folders. */
export function projectFiles(accept: (name: string) => boolean, root = ROOT): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && accept(entry.name)) out.push(full);
    }
  };
  walk(root);
  return out.sort();
}

function isDescribeCallback(node: ts.Node): boolean {
  const call = node.parent;
  if (!ts.isCallExpression(call) || !call.arguments.includes(node as ts.Expression)) return false;
  const callee = call.expression;
  const name = ts.isPropertyAccessExpression(callee) ? callee.expression : callee;
  return ts.isIdentifier(name) && name.text === "describe";
}

function nameOf(node: ts.FunctionLikeDeclaration, sf: ts.SourceFile): string {
  if (node.name) return node.name.getText(sf);
  if (ts.isConstructorDeclaration(node)) return "constructor";
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) {
    return parent.name.getText(sf);
  }
  if (ts.isCallExpression(parent)) return `(callback of ${parent.expression.getText(sf).slice(0, 40)})`;
  return "(anonymous)";
}

/** The functions of one TypeScript source. */
export function typeScriptFunctions(file: string, text: string): FunctionSpan[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const testFile = file.endsWith(".test.ts");
  const out: FunctionSpan[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && "body" in node && node.body !== undefined
      && !(testFile && isDescribeCallback(node))) {
      const first = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const last = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      out.push({ file, line: first + 1, name: nameOf(node as ts.FunctionLikeDeclaration, sf),
        lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

const SHELL_START = /^([A-Za-z_][A-Za-z0-9_:.-]*)\s*\(\)\s*\{/;

/** The functions of one shell script; throws when a function's end cannot be found. */
export function shellFunctions(file: string, text: string): FunctionSpan[] {
  const lines = text.split("\n");
  const out: FunctionSpan[] = [];
  for (let i = 0; i < lines.length; i++) {
    const start = SHELL_START.exec(lines[i]);
    if (!start) continue;
    if (/\}\s*(#.*)?$/.test(lines[i]) && !/\{\s*(#.*)?$/.test(lines[i])) {
      out.push({ file, line: i + 1, name: start[1], lines: 1 });
      continue;
    }
    let end = i + 1;
    while (end < lines.length && !/^\}/.test(lines[end])) {
      if (SHELL_START.test(lines[end])) {
        throw new Error(`${file}:${i + 1}: ${start[1]}() has no closing } at column 0 before ${lines[end]}`);
      }
      end++;
    }
    if (end === lines.length) throw new Error(`${file}:${i + 1}: ${start[1]}() has no closing } at column 0`);
    out.push({ file, line: i + 1, name: start[1], lines: end - i + 1 });
    i = end;
  }
  return out;
}

function isShellScript(full: string): boolean {
  if (full.endsWith(".sh")) return true;
  if (path.extname(full) !== "") return false;
  const head = fs.readFileSync(full, "utf8").slice(0, 64);
  return /^#!.*\b(ba)?sh\b/.test(head);
}

/** Every function of the project's TypeScript and shell, each with its span. */
export function projectFunctions(root = ROOT): FunctionSpan[] {
  const rel = (f: string) => path.relative(root, f);
  const tsFiles = projectFiles((n) => n.endsWith(".ts") && !n.endsWith(".d.ts"), root);
  const shFiles = projectFiles(() => true, root).filter(isShellScript);
  // The CI entry lives in a dot folder; it is the project's shell all the same.
  const ci = path.join(root, ".ci", "run");
  if (fs.existsSync(ci)) shFiles.push(ci);
  return [
    ...tsFiles.flatMap((f) => typeScriptFunctions(rel(f), fs.readFileSync(f, "utf8"))),
    ...shFiles.flatMap((f) => shellFunctions(rel(f), fs.readFileSync(f, "utf8"))),
  ];
}
