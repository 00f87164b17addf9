// The host's directory layout, as the host tests read it: every path comes from components/layout.ts,
// the program's single definition (host/release/layout.sh holds the same names for the scripts).
import { HOST_SCRIPTS_PREFIX } from "../../../components/bundle";
import { hostBaseDir, hostPath } from "../../../components/layout";
import * as remote from "../../../components/remote";

export { hostBaseDir };

export interface HostLayout {
  base: string;
  /** Link to the release that serves. */
  current: string;
  /** Link compose runs from: the project directory every release shares. */
  active: string;
  /** The serving release's copy of the host scripts' shared helpers (lib.sh). */
  activeHostLib: string;
  /** Where a release's manifest is kept once uploaded. */
  manifest: (sha256: string) => string;
  /** The store of file contents by sha256. */
  store: string;
}

export function hostLayout(spec: remote.RemoteSpec): HostLayout {
  const active = hostPath(spec.baseDir, "active");
  return {
    base: spec.baseDir,
    current: hostPath(spec.baseDir, "current"),
    active,
    activeHostLib: `${active}/${HOST_SCRIPTS_PREFIX}lib.sh`,
    manifest: (sha256) => remote.manifestRemotePath(spec, sha256),
    store: remote.storeDir(spec),
  };
}
