// Lint TypeScript with the recommended rules; type checking itself is `tsc --noEmit`.
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/**", "app/**", ".pulumi-state/**", ".pulumi-bundles/**", "tests/host/.work/**", ".h1tmp/**", "**/*.js", "**/*.mjs"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
);
