// Writes Pulumi.yaml's `config:` block and docs/reference/configuration.md from components/config/specs.ts,
// and the app-environment table of docs/reference/app-contract.md from components/config/appEnv.ts.
// Usage: npm run gen:config     (tests/unit/config-schema.test.ts fails when these files drift from the specs)
import * as fs from "fs";
import * as path from "path";
import { renderEnvironmentDoc, renderPulumiYaml, renderSettingsDoc } from "../components/config/generate";

function main(): void {
  const root = path.resolve(__dirname, "..");
  const pulumiYaml = path.join(root, "Pulumi.yaml");
  fs.writeFileSync(pulumiYaml, renderPulumiYaml(fs.readFileSync(pulumiYaml, "utf8")));
  fs.writeFileSync(path.join(root, "docs", "reference", "configuration.md"), renderSettingsDoc());
  const operate = path.join(root, "docs", "reference", "app-contract.md");
  fs.writeFileSync(operate, renderEnvironmentDoc(fs.readFileSync(operate, "utf8")));
  process.stdout.write(
    "wrote Pulumi.yaml (config block), docs/reference/configuration.md and the app-environment table of docs/reference/app-contract.md\n",
  );
}

main();
