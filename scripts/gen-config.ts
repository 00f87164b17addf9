// Writes Pulumi.yaml's `config:` block and docs/reference/configuration.md from components/config/specs.ts.
// Usage: npm run gen:config     (tests/unit/config.test.ts fails when these files drift from the specs)
import * as fs from "fs";
import * as path from "path";
import { renderPulumiYaml, renderSettingsDoc } from "../components/config/generate";

function main(): void {
  const root = path.resolve(__dirname, "..");
  const pulumiYaml = path.join(root, "Pulumi.yaml");
  fs.writeFileSync(pulumiYaml, renderPulumiYaml(fs.readFileSync(pulumiYaml, "utf8")));
  fs.writeFileSync(path.join(root, "docs", "reference", "configuration.md"), renderSettingsDoc());
  process.stdout.write("wrote Pulumi.yaml (config block) and docs/reference/configuration.md\n");
}

main();
