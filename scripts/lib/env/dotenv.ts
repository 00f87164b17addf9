// Reads an old `.env` file the way docker compose v2 read it when the app ran from it (compose-go's
// dotenv parser: github.com/compose-spec/compose-go, dotenv/parser.go and godotenv.go):
//   - blank lines and lines starting with # are skipped; `export ` before a name is dropped;
//   - NAME=value or NAME: value; a line with a name and no `=` takes the value from the environment;
//   - unquoted: up to the end of the line, an inline comment (` #`) cut off, trailing spaces trimmed;
//   - '…': literal, may span lines; "…": may span lines, \n and \r become line breaks and `\x` becomes x;
//   - unquoted and "…" values expand ${NAME} and $NAME from the entries above (and the environment);
//   - a name set twice: the last one counts.
// Pure: the caller reads the file. Problems name the line and the entry, never its value.

/** One entry as the file sets it. */
export interface DotenvEntry {
  name: string;
  value: string;
  /** 1-based line where the entry starts. */
  line: number;
  /** Variables the value referred to that no entry above set: compose took them from its environment. */
  unresolved: string[];
  /** The line had a name and no value: compose took it from its environment. */
  inherited: boolean;
}

export interface DotenvResult {
  /** Entries in file order, the last of each name only. */
  entries: DotenvEntry[];
  /** Names set more than once, with the lines that set them. */
  duplicates: { name: string; lines: number[] }[];
  /** Lines the parser could not read: "line N: why". */
  problems: string[];
}

const isSpace = (c: string): boolean => c === " " || c === "\t" || c === "\r" || c === "\v" || c === "\f";
const NAME_CHAR = /[A-Za-z0-9_.]/;

/** `${NAME}`, `${NAME:-default}`-style and `$NAME` references in a value, expanded from `known`. */
function expand(value: string, known: Map<string, string>, unresolved: string[]): string {
  return value.replace(/(\\)?\$(\{([A-Za-z_][A-Za-z0-9_]*)([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (whole, escaped: string | undefined, _ref, braced: string | undefined, modifier: string,
      bare: string | undefined) => {
      if (escaped) return whole.slice(1);
      const name = (braced ?? bare) as string;
      if (known.has(name)) return known.get(name) as string;
      const dflt = /^:?-(.*)$/.exec(modifier ?? "");
      if (dflt) return dflt[1];
      unresolved.push(name);
      return whole;
    });
}

/** The line number (from 1) of position `pos`. */
function lineAt(src: string, pos: number): number {
  return src.slice(0, pos).split("\n").length;
}

/** Where the line holding `pos` ends: the start of the next line, or the end of the text. */
function nextLine(src: string, pos: number): number {
  const nl = src.indexOf("\n", pos);
  return nl === -1 ? src.length : nl + 1;
}

/**
 * The value that starts at `from` (after `=` and spaces), as compose reads it: single-quoted literal,
 * double-quoted with escapes and `${VAR}` expanded, or bare up to a ` #` comment and trailing space.
 * `next` is where the following entry starts; value undefined when a quote is never closed.
 */
function readValue(src: string, from: number, name: string, line: number, known: Map<string, string>,
  problems: string[]): { value?: string; unresolved: string[]; next: number } {
  const unresolved: string[] = [];
  const quote = src[from];
  if (quote !== "'" && quote !== '"') {
    const end = nextLine(src, from);
    const rawLine = src.slice(from, end).replace(/\n$/, "");
    const comment = rawLine.startsWith("#") ? 0 : rawLine.search(/[ \t]#/);
    return {
      value: expand((comment === -1 ? rawLine : rawLine.slice(0, comment)).replace(/[ \t\r]+$/, ""), known, unresolved),
      unresolved,
      next: end,
    };
  }
  let end = from + 1;
  while (end < src.length && !(src[end] === quote && src[end - 1] !== "\\")) end++;
  if (end >= src.length) {
    problems.push(
      `line ${line}: ${name}'s ${
        quote === "'" ? "single" : "double"
      }-quoted value is never closed (compose would refuse the file)`,
    );
    return { unresolved, next: src.length };
  }
  const raw = src.slice(from + 1, end);
  const value = quote === "'" ? raw : expand(unescapeDouble(raw), known, unresolved);
  // After the closing quote: spaces and an optional comment up to the end of the line.
  let i = end + 1;
  while (i < src.length && isSpace(src[i])) i++;
  if (i < src.length && src[i] !== "\n" && src[i] !== "#") {
    problems.push(`line ${lineAt(src, i)}: text after ${name}'s closing quote`);
  }
  return { value, unresolved, next: nextLine(src, i) };
}

/** Double-quoted escapes: \n and \r become line breaks, `\x` becomes x (but `\$` stays for expand). */
function unescapeDouble(value: string): string {
  return value.replace(/\\(.)/gs, (whole, c: string) => (c === "n" ? "\n" : c === "r" ? "\r" : c === "$" ? whole : c));
}

export function parseDotenv(text: string): DotenvResult {
  const src = text.replace(/^\uFEFF/, "");
  const known = new Map<string, string>();
  const byName = new Map<string, DotenvEntry>();
  const lines = new Map<string, number[]>();
  const problems: string[] = [];
  let i = 0;
  while (i < src.length) {
    while (i < src.length && (isSpace(src[i]) || src[i] === "\n")) i++;
    if (i >= src.length) break;
    if (src[i] === "#") {
      i = nextLine(src, i);
      continue;
    }
    const start = i;
    const line = lineAt(src, start);
    if (/^export[ \t]+/.test(src.slice(i, i + 12))) i += /^export[ \t]+/.exec(src.slice(i))![0].length;
    let name = "";
    while (i < src.length && NAME_CHAR.test(src[i])) name += src[i++];
    while (i < src.length && isSpace(src[i])) i++;
    const sep = src[i];
    if (name === "" || (sep !== "=" && sep !== ":" && sep !== "\n" && sep !== undefined)) {
      problems.push(
        `line ${line}: ${
          name === "" ? "does not start with a variable name" : `unexpected character after ${name}`
        } (compose would refuse the file)`,
      );
      i = nextLine(src, i);
      continue;
    }
    if (sep === "\n" || sep === undefined) {
      i++;
      const entry: DotenvEntry = { name, value: "", line, unresolved: [], inherited: true };
      byName.set(name, entry);
      lines.set(name, [...(lines.get(name) ?? []), line]);
      continue;
    }
    i++; // past = or :
    while (i < src.length && isSpace(src[i])) i++;
    const read = readValue(src, i, name, line, known, problems);
    if (read.value === undefined) break;
    const { value, unresolved } = read;
    i = read.next;
    known.set(name, value);
    byName.delete(name); // the last one counts, in its own place
    byName.set(name, { name, value, line, unresolved, inherited: false });
    lines.set(name, [...(lines.get(name) ?? []), line]);
  }
  return {
    entries: [...byName.values()],
    duplicates: [...lines].filter(([, l]) => l.length > 1).map(([name, l]) => ({ name, lines: l })),
    problems,
  };
}
