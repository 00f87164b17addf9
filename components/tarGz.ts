// A deterministic .tar.gz written straight to disk: memory stays at one gzip member whatever the
// size of the files. Pure Node (no Pulumi).
// The tar is plain ustar written here by hand (no pax headers, owners, mtimes or uname), because
// tar-stream only packs asynchronously and the program needs the release id synchronously. The gzip
// is a series of members, each the gzip of the next GZIP_MEMBER_BYTES of tar: RFC 1952 allows any
// number of members, and gzip -d, GNU tar, busybox and Node's gunzip read them as one stream. Member
// boundaries fall at fixed tar offsets, so the same entries always give the same bytes (and a tar
// under one member gives exactly the single-member gzip of the whole tar).

import * as crypto from "crypto";
import * as fs from "fs";
import * as zlib from "zlib";

/** One archive entry. */
export interface TarEntry {
  /** Archive path, "/"-separated; directories end with "/". */
  name: string;
  type: "file" | "dir";
  /** 0o644 or 0o755: only the executable bit of the source survives. */
  mode: number;
  /** Absolute or working-directory-relative source path (files only). */
  source?: string;
}

/** Tar bytes per gzip member: the most memory a bundle of any size takes while being written. */
export const GZIP_MEMBER_BYTES = 1024 * 1024;

const BLOCK = 512;
/** Normalised mtime of every entry: the epoch, so nothing depends on when files were touched. */
const FIXED_MTIME = 0;
/** gzip header OS byte: 3 = Unix. zlib writes its build platform's code; we pin it. */
const GZIP_OS_UNIX = 3;

/** Write `value` as zero-padded octal of `width - 1` digits plus NUL. */
function writeOctal(header: Buffer, offset: number, width: number, value: number): void {
  const digits = value.toString(8);
  if (digits.length > width - 1) throw new Error(`bundle: value ${value} does not fit a ${width}-byte tar field`);
  header.write(digits.padStart(width - 1, "0"), offset, "ascii");
  header[offset + width - 1] = 0;
}

/** Split a long name into ustar prefix (≤155 bytes) and name (≤100 bytes) at a "/"; no pax headers. */
function splitUstarName(name: string): { prefix: string; name: string } {
  if (Buffer.byteLength(name) <= 100) return { prefix: "", name };
  for (let i = name.indexOf("/"); i !== -1; i = name.indexOf("/", i + 1)) {
    const head = name.slice(0, i);
    const tail = name.slice(i + 1);
    if (Buffer.byteLength(head) <= 155 && Buffer.byteLength(tail) <= 100 && tail !== "") return { prefix: head, name: tail };
  }
  throw new Error(`bundle: path "${name}" is too long for a ustar header (name ≤100 bytes after a ≤155-byte directory prefix)`);
}

/** The 512-byte ustar header of an entry: uid/gid 0, empty uname/gname, fixed mtime. */
export function tarHeader(entry: { name: string; type: "file" | "dir"; mode: number }, size: number): Buffer {
  const header = Buffer.alloc(BLOCK, 0);
  const { prefix, name } = splitUstarName(entry.name);
  header.write(name, 0, 100, "utf8");
  writeOctal(header, 100, 8, entry.mode);
  writeOctal(header, 108, 8, 0); // uid
  writeOctal(header, 116, 8, 0); // gid
  writeOctal(header, 124, 12, entry.type === "file" ? size : 0);
  writeOctal(header, 136, 12, FIXED_MTIME);
  header.write("        ", 148, 8, "ascii"); // checksum placeholder: spaces while summing
  header.write(entry.type === "file" ? "0" : "5", 156, 1, "ascii");
  header.write("ustar\0", 257, 6, "ascii");
  header.write("00", 263, 2, "ascii");
  // uname (265) and gname (297) stay empty; devmajor/devminor are written as octal zeros like GNU tar.
  writeOctal(header, 329, 8, 0);
  writeOctal(header, 337, 8, 0);
  header.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(sum.toString(8).padStart(6, "0"), 148, 6, "ascii");
  header[154] = 0;
  header[155] = 0x20;
  return header;
}

/** gzip with a fixed header: no name, MTIME 0, OS byte pinned to Unix; level 9. */
export function gzipDeterministic(data: Buffer): Buffer {
  const gz = zlib.gzipSync(data, { level: 9 });
  // The OS byte is not covered by any checksum (zlib sets no FHCRC), so pinning it is safe.
  gz[9] = GZIP_OS_UNIX;
  return gz;
}

/** Collects tar bytes into one member-sized buffer and appends each full member to the output. */
class MemberWriter {
  private readonly block = Buffer.alloc(GZIP_MEMBER_BYTES);
  private used = 0;
  private readonly hash = crypto.createHash("sha256");
  bytes = 0;

  constructor(private readonly fd: number) {}

  write(data: Buffer): void {
    for (let offset = 0; offset < data.length; ) {
      const n = data.copy(this.block, this.used, offset);
      this.used += n;
      offset += n;
      if (this.used === this.block.length) this.flush();
    }
  }

  /** Copy exactly `size` bytes of an open file, reading straight into the member buffer. */
  copyFrom(source: string, fd: number, size: number): void {
    for (let left = size; left > 0; ) {
      const n = fs.readSync(fd, this.block, this.used, Math.min(left, this.block.length - this.used), null);
      if (n === 0) throw new Error(`bundle: ${source} shrank while it was being packed; run again`);
      this.used += n;
      left -= n;
      if (this.used === this.block.length) this.flush();
    }
  }

  flush(): void {
    if (this.used === 0) return;
    const gz = gzipDeterministic(this.block.subarray(0, this.used));
    fs.writeSync(this.fd, gz);
    this.hash.update(gz);
    this.bytes += gz.length;
    this.used = 0;
  }

  sha256(): string {
    return this.hash.digest("hex");
  }
}

/** Append one entry (header, content, padding) to the tar stream. */
function writeEntry(out: MemberWriter, entry: TarEntry): void {
  if (entry.type === "dir") {
    out.write(tarHeader(entry, 0));
    return;
  }
  const source = entry.source as string;
  const fd = fs.openSync(source, "r");
  try {
    const size = fs.fstatSync(fd).size; // the size at open time is what the header promises
    out.write(tarHeader(entry, size));
    out.copyFrom(source, fd, size);
    const padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (padding > 0) out.write(Buffer.alloc(padding, 0));
  } finally {
    fs.closeSync(fd);
  }
}

/** Write `entries` (in the given order) as a .tar.gz to `file`; returns the sha256 (hex) and size of its bytes. */
export function writeTarGz(entries: TarEntry[], file: string): { sha256: string; bytes: number } {
  const fd = fs.openSync(file, "w", 0o644);
  try {
    const out = new MemberWriter(fd);
    for (const entry of entries) writeEntry(out, entry);
    out.write(Buffer.alloc(2 * BLOCK, 0)); // end of archive
    out.flush();
    return { sha256: out.sha256(), bytes: out.bytes };
  } finally {
    fs.closeSync(fd);
  }
}
