// Gzipped size of the browser library, with Cognito spoken over fetch (the library's default) and
// through the AWS SDK v3 client. Both builds: esbuild, browser platform, ES2020, minified, tree-shaken.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const web = join(root, "packages/web/src");
const BUDGET_BYTES = 25 * 1024;

const variants = {
  fetch: `export { createMigratingAuth, readRealmLink } from ${JSON.stringify(join(web, "index.ts"))};`,
  sdk: [
    `import { createMigratingAuth } from ${JSON.stringify(join(web, "migrating-auth.ts"))};`,
    `import { createSdkCognitoApi } from ${JSON.stringify(join(web, "cognito-sdk.ts"))};`,
    "export const createAuth = (config) => createMigratingAuth(config, { cognito: createSdkCognitoApi(config.cognito) });",
  ].join("\n"),
};

/** Minified and gzipped bytes of one entry, bundled for browsers. */
export async function bundleSize(source: string): Promise<{ minified: number; gzipped: number }> {
  const result = await build({
    stdin: { contents: source, resolveDir: root, loader: "ts" },
    bundle: true,
    write: false,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2020",
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "silent",
  });
  const code = result.outputFiles[0]?.contents ?? new Uint8Array();
  return { minified: code.byteLength, gzipped: gzipSync(code, { level: 9 }).byteLength };
}

export async function measureWebBundles(): Promise<
  Record<keyof typeof variants, { minified: number; gzipped: number }>
> {
  return { fetch: await bundleSize(variants.fetch), sdk: await bundleSize(variants.sdk) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const sizes = await measureWebBundles();
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
  for (const [name, size] of Object.entries(sizes)) {
    console.log(
      `${name.padEnd(6)} minified ${kb(size.minified).padStart(9)}   gzipped ${kb(size.gzipped).padStart(8)}`,
    );
  }
  console.log(`ratio sdk/fetch (gzipped): ${(sizes.sdk.gzipped / sizes.fetch.gzipped).toFixed(1)}x`);
  console.log(
    `budget ${kb(BUDGET_BYTES)} gzipped for the library: ${sizes.fetch.gzipped <= BUDGET_BYTES ? "met" : "MISSED"}`,
  );
  if (sizes.fetch.gzipped > BUDGET_BYTES) process.exitCode = 1;
}
