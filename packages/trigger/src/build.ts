import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const SOURCE_DIR = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_OUT_DIR = path.resolve(SOURCE_DIR, "..", "dist");

/** Absolute paths of the three handler bundles; each is one ESM file exporting `handler`. */
export interface TriggerBundles {
  readonly userMigration: string;
  readonly passwordResetRequested: string;
  readonly resyncPassword: string;
}

const ENTRIES: Record<keyof TriggerBundles, string> = {
  userMigration: "user-migration",
  passwordResetRequested: "password-reset-requested",
  resyncPassword: "resync-password",
};

// The AWS SDK is CommonJS and requires Node built-ins; an ESM bundle needs its own `require`. The trigger
// is ESM throughout and goes without (its cold start is budgeted).
const REQUIRE_SHIM =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/**
 * Bundles the three Lambda handlers with esbuild (Node 22, ESM, minified, with source maps). The trigger
 * bundle carries no AWS SDK: it needs only fetch. The endpoint bundles include the SDK so they run
 * anywhere on their own (Lambda's runtime has one too, but pinning ours keeps behaviour reproducible).
 * @example const { userMigration } = await buildBundles({ outDir: "/tmp/bundles" });
 */
export async function buildBundles(options: { outDir?: string } = {}): Promise<TriggerBundles> {
  const outDir = path.resolve(options.outDir ?? DEFAULT_OUT_DIR);
  await mkdir(outDir, { recursive: true });
  const built = await Promise.all(
    (Object.entries(ENTRIES) as [keyof TriggerBundles, string][]).map(async ([key, name]) => {
      const outfile = path.join(outDir, `${name}.mjs`);
      await build({
        entryPoints: [path.join(SOURCE_DIR, "handlers", `${name}.ts`)],
        outfile,
        bundle: true,
        platform: "node",
        target: "node22",
        format: "esm",
        minify: true,
        sourcemap: true,
        legalComments: "none",
        ...(key === "userMigration" ? {} : { banner: { js: REQUIRE_SHIM } }),
        logLevel: "silent",
      });
      return [key, outfile] as const;
    }),
  );
  return Object.fromEntries(built) as unknown as TriggerBundles;
}

// `npm run build -w packages/trigger` writes the bundles to packages/trigger/dist.
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const [name, file] of Object.entries(await buildBundles())) console.log(`${name}: ${file}`);
}
