// `npm run build` in a library package (run from its folder): src/index.ts to one ESM file,
// dist/index.js. Other workspace packages are bundled in, because their `exports` point at src/*.ts for
// the development workflow (tsx, vitest and tsc read them without a build); registry packages stay
// external. The deployables build their own way: the CLI (packages/cli/build.ts) and the Lambda
// bundles (packages/trigger/src/build.ts).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { build, type Plugin } from "esbuild";

const folder = process.cwd();
const manifest = JSON.parse(readFileSync(join(folder, "package.json"), "utf8")) as {
  name: string;
};
/** Every bare import but a workspace package's stays an import (node:*, registry packages, theirs). */
const keepRegistryImports: Plugin = {
  name: "keep-registry-imports",
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith("@realm-to-cognito/") ? undefined : { path: args.path, external: true },
    );
  },
};

await build({
  entryPoints: [join(folder, "src/index.ts")],
  outfile: join(folder, "dist/index.js"),
  bundle: true,
  platform: "neutral",
  mainFields: ["module", "main"],
  format: "esm",
  target: "es2022",
  plugins: [keepRegistryImports],
  logLevel: "warning",
});
process.stdout.write(`${manifest.name}: dist/index.js\n`);
