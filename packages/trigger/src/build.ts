import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

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

// The handlers always hand pino their own destination and never use transports, so the worker-thread
// transport machinery and the fd writer are dead weight (about a third of the trigger bundle).
const UNUSED_PINO_PARTS: Record<string, string> = {
  "thread-stream":
    "module.exports = function ThreadStream() { throw new Error('pino transports are not bundled'); };",
  "sonic-boom":
    "module.exports = class SonicBoom { constructor() { throw new Error('pass pino a destination'); } };",
  "on-exit-leak-free": "module.exports = { register() {}, unregister() {} };",
  "./transport":
    "module.exports = function transport() { throw new Error('pino transports are not bundled'); };",
  "./multistream":
    "module.exports = function multistream() { throw new Error('pino multistream is not bundled'); };",
};

const slimPino: Plugin = {
  name: "slim-pino",
  setup(esbuild) {
    esbuild.onResolve(
      { filter: /^(thread-stream|sonic-boom|on-exit-leak-free|\.\/transport|\.\/multistream)$/ },
      (args) => {
        if (!args.resolveDir.includes(`${path.sep}pino`)) return undefined;
        return { path: args.path, namespace: "slim-pino" };
      },
    );
    esbuild.onLoad({ filter: /.*/, namespace: "slim-pino" }, (args) => ({
      contents: UNUSED_PINO_PARTS[args.path] ?? "",
      loader: "js",
    }));
  },
};

// pino and the AWS SDK are CommonJS and require Node built-ins; an ESM bundle needs its own `require`.
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
        entryPoints: [path.join(SOURCE_DIR, `${name}.ts`)],
        outfile,
        bundle: true,
        platform: "node",
        target: "node22",
        format: "esm",
        minify: true,
        sourcemap: true,
        legalComments: "none",
        banner: { js: REQUIRE_SHIM },
        plugins: [slimPino],
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
