// Builds the CLI to one ESM file, dist/main.js, so the installed command runs with plain node.
// Workspace packages (@realm-to-cognito/*) are bundled because their `exports` point at src/*.ts for the
// development workflow (tsx, vitest, tsc resolve them without a build); registry packages stay external
// and are installed from the tarball's dependencies.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const manifest = JSON.parse(readFileSync(join(here, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
};
const registryPackages = Object.keys(manifest.dependencies).filter(
  (name) => !name.startsWith("@realm-to-cognito/"),
);

await build({
  entryPoints: [join(here, "src/main.ts")],
  outfile: join(here, "dist/main.js"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  external: registryPackages.flatMap((name) => [name, `${name}/*`]),
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: "warning",
});
