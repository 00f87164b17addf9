// A bundle takes nothing from outside the app directory: not through a symbolic link, not through
// a hard link.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { createAppBundle, createBundle } from "../../components/bundle";
import { APP, EXEC, scratchDirs } from "../support/bundle";

describe("bundle", () => {
  const { tree, outDir } = scratchDirs();

  describe("files from outside the app directory", () => {
    it("refuses an app directory that is itself a symbolic link", () => {
      const real = tree(APP, EXEC);
      const link = path.join(outDir(), "app-link");
      fs.symlinkSync(real, link);
      assert.throws(() => createBundle({ appDir: link, outDir: outDir() }),
        /app-link is a symbolic link; pack the directory itself/);
    });

    it("refuses an appDir reached through a symbolic link that leads outside the project", () => {
      const projectRoot = outDir();
      const elsewhere = tree(APP, EXEC);
      fs.mkdirSync(path.join(projectRoot, "apps"));
      fs.symlinkSync(path.dirname(elsewhere), path.join(projectRoot, "apps", "shared"));
      const appDir = path.join("apps", "shared", path.basename(elsewhere));
      assert.throws(() => createAppBundle(projectRoot, appDir, "docker-compose.prod.yml"),
        /leads through a symbolic link to .*outside the project/);
    });

    it("refuses a hard link to a file outside the app directory, and accepts hard links within it", () => {
      const secret = path.join(outDir(), "credentials");
      fs.writeFileSync(secret, "token");
      const src = tree(APP, EXEC);
      fs.linkSync(secret, path.join(src, "notes.txt"));
      assert.throws(() => createBundle({ appDir: src, outDir: outDir() }),
        /notes\.txt is a hard link to a file with other names outside the bundle.*\.deployignore/);
      const inside = tree(APP, EXEC);
      fs.linkSync(path.join(inside, "manage.py"), path.join(inside, "manage-copy.py"));
      assert.ok(createBundle({ appDir: inside, outDir: outDir() }).files.includes("manage-copy.py"));
    });
  });
});
