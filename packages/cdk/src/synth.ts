import { copyFile, mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { MIGRATION_MODES, type MigrationMode } from "@realm-to-cognito/core";
import { buildBundles } from "@realm-to-cognito/trigger/build";
import { exampleApp } from "./example-app.js";

const USAGE =
  "usage: npm run synth -- --mode <realm-primary|cognito-primary> --out <dir> [--directory <users.directory>]";

/**
 * `npm run synth -- --mode <mode> --out <dir>`: bundles the handlers, synthesizes the example app offline
 * and copies its `*.template.json` to <dir>. Returns the written files. Tools outside the repo use this
 * command line: keep it stable.
 */
export async function synthesize(options: {
  readonly mode: MigrationMode;
  readonly out: string;
  readonly userDirectoryFile?: string;
}): Promise<string[]> {
  const work = await mkdtemp(path.join(tmpdir(), "realm-to-cognito-synth-"));
  try {
    return await synthesizeIn(work, options);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function synthesizeIn(
  work: string,
  options: { readonly mode: MigrationMode; readonly out: string; readonly userDirectoryFile?: string },
): Promise<string[]> {
  const bundles = await buildBundles({ outDir: path.join(work, "bundles") });
  const { app } = exampleApp({
    mode: options.mode,
    bundleDir: path.dirname(bundles.userMigration),
    outdir: path.join(work, "cdk.out"),
    ...(options.userDirectoryFile === undefined ? {} : { userDirectoryFile: options.userDirectoryFile }),
  });
  const assembly = app.synth();
  await mkdir(options.out, { recursive: true });
  const templates = (await readdir(assembly.directory)).filter((name) => name.endsWith(".template.json"));
  const written: string[] = [];
  for (const name of templates) {
    const target = path.join(options.out, name);
    await copyFile(path.join(assembly.directory, name), target);
    written.push(target);
  }
  return written;
}

function isMode(value: string | undefined): value is MigrationMode {
  return (MIGRATION_MODES as readonly string[]).includes(value ?? "");
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      mode: { type: "string" },
      out: { type: "string" },
      directory: { type: "string" },
    },
    strict: true,
  });
  if (!isMode(values.mode) || values.out === undefined) {
    console.error(USAGE);
    return 2;
  }
  // `npm run` moves to the repository root; relative paths mean the caller's directory (npm's INIT_CWD).
  const callerDir = process.env.INIT_CWD ?? process.cwd();
  const written = await synthesize({
    mode: values.mode,
    out: path.resolve(callerDir, values.out),
    ...(values.directory === undefined
      ? {}
      : { userDirectoryFile: path.resolve(callerDir, values.directory) }),
  });
  for (const file of written) console.log(file);
  return 0;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exitCode = 1;
    },
  );
}
