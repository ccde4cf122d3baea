import type { Command } from "commander";
import { required } from "../config.js";
import { CliError } from "../errors.js";
import {
  type CollectionSource,
  type ExportResult,
  exportSnapshot,
  type FlowerbaseSource,
} from "../export.js";
import type { Services } from "../services.js";
import { type CommandContext, type CommandModule, contextOf, print } from "./program-options.js";

type Used = "realmAdmin" | "mongo" | "env" | "output";

/** What `export` is asked to do (its command-line flags). */
export interface ExportOptions {
  out: string;
  adminApi: boolean;
  mongoexport?: string;
  collection: boolean;
  /** A mongoexport of flowerbase's auth_users. */
  flowerbase?: string;
  /** flowerbase's auth_users through the driver (MONGODB_URI). */
  flowerbaseCollection?: boolean;
  pending: boolean;
  resume: boolean;
}

/** `export`: writes a snapshot from the Admin API and/or the user collection. */
export async function exportCommand(
  services: Pick<Services, "realmAdmin" | "mongo" | "output">,
  context: CommandContext,
  options: ExportOptions,
): Promise<ExportResult> {
  const { config } = context;
  let collection: CollectionSource | undefined;
  let flowerbase: FlowerbaseSource | undefined;
  let mongo: import("mongodb").MongoClient | undefined;
  const connect = async (): Promise<import("mongodb").MongoClient> => {
    if (mongo) return mongo;
    const uri = required(
      config.secrets.mongodbUri,
      "MONGODB_URI",
      "set the environment variable MONGODB_URI",
    );
    mongo = await services.mongo(uri);
    return mongo;
  };
  if (options.adminApi && (options.flowerbase || options.flowerbaseCollection))
    throw new CliError("BAD_USAGE", "export reads users from the Admin API or from flowerbase, not both");
  try {
    if (options.mongoexport) collection = { kind: "mongoexport", file: options.mongoexport };
    else if (options.collection) {
      const db = (await connect()).db(config.userCollection.database);
      const name = config.userCollection.collection;
      collection = {
        kind: "driver",
        name: `${db.databaseName}.${name}`,
        collection: { find: (filter, findOptions) => db.collection(name).find(filter, findOptions) },
      };
    }
    if (options.flowerbase) flowerbase = { kind: "mongoexport", file: options.flowerbase };
    else if (options.flowerbaseCollection) {
      const db = (await connect()).db(config.flowerbase.database ?? config.userCollection.database);
      const name = config.flowerbase.collection;
      flowerbase = {
        kind: "driver",
        name: `${db.databaseName}.${name}`,
        collection: { find: (filter, findOptions) => db.collection(name).find(filter, findOptions) },
      };
    }
  } catch (error) {
    await mongo?.close();
    throw error;
  }
  const closeMongo = async (): Promise<void> => {
    await mongo?.close();
  };
  const admin = options.adminApi ? services.realmAdmin(config) : undefined;
  if (!admin && !collection && !flowerbase)
    throw new CliError(
      "BAD_USAGE",
      "export needs a source: --admin-api, --flowerbase <file>, --flowerbase-collection, --mongoexport <file> or --collection",
    );
  let reported = 0;
  try {
    return await exportSnapshot({
      out: options.out,
      ...(admin ? { adminApi: admin } : {}),
      ...(flowerbase ? { flowerbase } : {}),
      ...(collection ? { collection } : {}),
      pending: options.pending,
      resume: options.resume,
      fields: config.userCollection,
      onProgress: (written, rejected) => {
        if (context.quiet || written + rejected - reported < 10_000) return;
        reported = written + rejected;
        services.output.stderr(`export: ${written} users, ${rejected} rejected\n`);
      },
    });
  } finally {
    await closeMongo();
  }
}

export const exportUsers: CommandModule<Used> = {
  register(program, services) {
    program
      .command("export")
      .description(
        "write a snapshot (NDJSON + manifest + rejects) from the Admin API and/or the user collection",
      )
      .requiredOption("-o, --out <file>", "snapshot file to write, e.g. users.ndjson")
      .option("--admin-api", "read users and pending registrations through the Admin API")
      .option("--mongoexport <file>", "read the user collection from a mongoexport file (lines or array)")
      .option("--collection", "read the user collection through the MongoDB driver (MONGODB_URI)")
      .option(
        "--flowerbase <file>",
        "read users from a mongoexport of flowerbase's auth_users (instead of the Admin API)",
      )
      .option(
        "--flowerbase-collection",
        "read users from flowerbase's auth_users through the driver (MONGODB_URI)",
      )
      .option("--no-pending", "leave out pending registrations")
      .option("--resume", "continue an interrupted export after its last user")
      .option("--user-id-field <field>", "user collection: field holding the Realm user id")
      .option("--email-field <field>", "user collection: field holding the email")
      .option("--mongo-id-field <field>", "user collection: field holding the document id")
      .option(
        "--status-field <field>",
        "user collection alone: field holding the account state (confirmed, pending, disabled; other words in the config file)",
      )
      .option("--verified-field <field>", "user collection alone: boolean field saying the email is verified")
      .option(
        "--disabled-field <field>",
        "user collection alone: boolean field saying the account is disabled",
      )
      .option(
        "--every-document-confirmed",
        "user collection alone, no status field: state that every document belongs to a confirmed user (else all are pending)",
      )
      .action(async (options, command: Command) => {
        const context = contextOf(command, services.env, {
          "userCollection.userIdField": options.userIdField,
          "userCollection.emailField": options.emailField,
          "userCollection.mongoIdField": options.mongoIdField,
          "userCollection.status.statusField": options.statusField,
          "userCollection.status.verifiedField": options.verifiedField,
          "userCollection.status.disabledField": options.disabledField,
          "userCollection.status.everyDocumentConfirmed":
            options.everyDocumentConfirmed === true ? true : undefined,
        });
        const result = await exportCommand(services, context, {
          out: options.out,
          adminApi: options.adminApi === true,
          mongoexport: options.mongoexport,
          collection: options.collection === true,
          ...(options.flowerbase ? { flowerbase: options.flowerbase } : {}),
          flowerbaseCollection: options.flowerbaseCollection === true,
          pending: options.pending !== false,
          resume: options.resume === true,
        });
        print(command, services.output, result, () =>
          [
            `snapshot ${result.paths.snapshot}: ${result.manifest.users} users (${Object.entries(
              result.manifest.bySource,
            )
              .map(([source, n]) => `${source} ${n}`)
              .join(", ")})`,
            `  confirmed ${result.manifest.byState.confirmed}, pending ${result.manifest.byState.pending}, disabled ${result.manifest.byState.disabled}`,
            `  rejected ${result.manifest.rejects} (see ${result.paths.rejects})`,
            ...(result.manifest.unmatched
              ? [
                  `  unmatched: ${result.manifest.unmatched.withoutUserDocument} users without a user document (exported), ${result.manifest.unmatched.documentWithoutUser} documents without a user (rejected); see ${result.paths.unmatched}`,
                ]
              : []),
            `  sha256 ${result.manifest.sha256}`,
          ].join("\n"),
        );
      });
  },
};
