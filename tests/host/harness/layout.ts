// The host's directory layout, as the host tests read it: the one place in tests/host that spells a
// path under the base directory. The deploy scripts define the layout; the tests only look at it.
import { HOST_SCRIPTS_PREFIX } from "../../../components/bundle";
import * as remote from "../../../components/remote";

/** Directory under the deploy user's home that the tests deploy to. */
export const BASE_DIR_NAME = "compose-on-ec2";

export interface HostLayout {
  base: string;
  /** Link to the release that serves. */
  current: string;
  /** Link compose runs from: the project directory every release shares. */
  active: string;
  /** The serving release's copy of the host scripts' shared helpers (lib.sh). */
  activeHostLib: string;
  /** Where a bundle is uploaded before its deploy. */
  bundle: (sha256: string) => string;
}

export function hostLayout(spec: remote.RemoteSpec): HostLayout {
  const active = `${spec.baseDir}/active`;
  return {
    base: spec.baseDir,
    current: `${spec.baseDir}/current`,
    active,
    activeHostLib: `${active}/${HOST_SCRIPTS_PREFIX}lib.sh`,
    bundle: (sha256) => remote.bundleRemotePath(spec, sha256),
  };
}
