// What cloud-init writes to disk from a write_files entry of ours: its content, decoded when the
// entry carries an encoding (components/host.ts writes scripts as gz+b64; cloud-init's
// cc_write_files gunzips after base64-decoding those before writing).
import * as zlib from "zlib";
import { WRITE_FILES_ENCODING } from "../../components/userData";

export function writtenContent(entry: { content: string; encoding?: string }): string {
  if (entry.encoding === undefined) return entry.content;
  if (entry.encoding !== WRITE_FILES_ENCODING) {
    throw new Error(`write_files encoding ${entry.encoding} is not the one this program writes`);
  }
  return zlib.gunzipSync(Buffer.from(entry.content, "base64")).toString("utf8");
}
