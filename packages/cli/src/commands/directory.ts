import type { Command } from "commander";
import { writeDirectoryFile } from "../directory-file.js";
import { type CommandModule, print } from "./program-options.js";

/** `directory`: offline; it reads a snapshot and writes one file. */
export const directory: CommandModule<"output"> = {
  register(program, services) {
    program
      .command("directory")
      .description(
        "write the trigger's forgot-password directory (USER_SNAPSHOT_FILE) from a snapshot: sorted, searched in place",
      )
      .requiredOption("-s, --snapshot <file>", "snapshot file")
      .requiredOption("-o, --out <file>", "the directory file to write")
      .action(async (options, command: Command) => {
        const summary = await writeDirectoryFile(options.snapshot, options.out);
        print(
          command,
          services.output,
          summary,
          () =>
            `directory ${summary.file}: ${summary.users} users, ${summary.ambiguous} emails shared by two Realm users (match nobody), ${summary.notEligible} not eligible (pending, disabled, no Realm id), ${summary.badLines} unreadable lines`,
        );
      });
  },
};
