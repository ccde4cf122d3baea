import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const SOURCE_DIR = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_OUT_DIR = path.resolve(SOURCE_DIR, "..", "dist");

/** Absolute paths of the handler bundles; each is one ESM file exporting `handler`. */
export interface TriggerBundles {
  readonly userMigration: string;
  readonly passwordResetRequested: string;
  readonly resyncPassword: string;
  /** The Post Confirmation trigger: marks a user who set their password in Cognito. */
  readonly postConfirmation: string;
}

const ENTRIES: Record<keyof TriggerBundles, string> = {
  userMigration: "user-migration",
  passwordResetRequested: "password-reset-requested",
  resyncPassword: "resync-password",
  postConfirmation: "post-confirmation",
};

/**
 * Bundles the four Lambda handlers with esbuild (Node 22, ESM, minified, with source maps). None carries
 * the AWS SDK: the trigger needs only fetch, and the endpoints and the Post Confirmation handler call Cognito
 * over fetch, signed with SigV4 by `src/sigv4.ts` (checked against `@smithy/signature-v4` in the tests; each
 * bundle within 50 kB). No bundle's import loads a Node built-in module that an empty module's import does
 * not (node:crypto alone was ~3 ms of an endpoint's cold start).
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
        // A dependency's ES module build, when it has one, lets esbuild keep only what is used.
        mainFields: ["module", "main"],
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
