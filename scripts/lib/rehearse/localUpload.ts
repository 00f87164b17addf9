// The upload of a rehearsal: the host is this machine, so the release's manifest and the contents
// the host's store lacks are copied with the file system (on AWS, scripts/runner/upload.sh sends them
// over SSH to host/bootstrap/upload.sh). The deploy line then checks the manifest against the
// release id and assembles the release from the store as on a host.
import * as fs from "fs";
import * as path from "path";
import { DIR_HASH, parseManifest, storeContent } from "../../../components/manifest";
import * as remote from "../../../components/remote";

/** Puts a bundle's manifest and missing contents where the deploy line reads them; returns how many contents were copied. */
export function uploadLocally(spec: remote.RemoteSpec,
  bundle: { sha256: string; path: string; storeDir: string }): number {
  const manifest = fs.readFileSync(bundle.path, "utf8");
  fs.mkdirSync(remote.uploadDir(spec), { recursive: true });
  fs.writeFileSync(remote.manifestRemotePath(spec, bundle.sha256), manifest);
  let copied = 0;
  for (const line of parseManifest(manifest)) {
    if (line.sha256 !== DIR_HASH
      && storeContent(remote.storeDir(spec), path.join(bundle.storeDir, line.sha256), line.sha256)) copied += 1;
  }
  return copied;
}
