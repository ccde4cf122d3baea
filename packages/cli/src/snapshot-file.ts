import { createHash } from "node:crypto";
import { createReadStream, existsSync, type WriteStream } from "node:fs";
import { copyFile, readFile, rename, rm, stat, truncate } from "node:fs/promises";
import { createInterface } from "node:readline";
import {
  formatSnapshotLine,
  parseSnapshotLine,
  type SnapshotLine,
  type SourcePosition,
} from "@realm-to-cognito/core";
import { z } from "zod";
import { CliError } from "./errors.js";
import { ensureWritable, privateWriteStream, writePrivateFile } from "./output-file.js";

/** The files of one snapshot: the NDJSON itself, its manifest and its rejects. */
export interface SnapshotPaths {
  readonly snapshot: string;
  readonly manifest: string;
  readonly rejects: string;
  /** Users present in one joined source and absent from the other. */
  readonly unmatched: string;
}

export function snapshotPaths(snapshot: string): SnapshotPaths {
  const base = snapshot.replace(/\.ndjson$/, "");
  return {
    snapshot,
    manifest: `${base}.manifest.json`,
    rejects: `${base}.rejects.ndjson`,
    unmatched: `${base}.unmatched.ndjson`,
  };
}

export const manifestSchema = z.object({
  format: z.literal("realm-to-cognito/snapshot@1"),
  createdAt: z.string(),
  sources: z.array(z.string()),
  users: z.number().int().nonnegative(),
  bySource: z.record(z.string(), z.number()),
  byState: z.object({ confirmed: z.number(), pending: z.number(), disabled: z.number() }),
  rejects: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
  /** Users one source has and the other lacks, when two were joined (listed in `<base>.unmatched.ndjson`). */
  unmatched: z
    .object({
      withoutUserDocument: z.number().int().nonnegative(),
      documentWithoutUser: z.number().int().nonnegative(),
    })
    .optional(),
});
export type SnapshotManifest = z.infer<typeof manifestSchema>;

/** A row that could not become a user: where it was and why. */
export interface RejectedRow {
  readonly source: string;
  /** Line (or array element) number in the source, counted from 1, when the source has lines. */
  readonly line?: number;
  /** An id that finds the row in its source (`_id`, Realm user id). */
  readonly ref?: string;
  /** Where the row is in what the operator gave: their file's line, or the Admin API page and item. */
  readonly at?: SourcePosition;
  readonly reason: string;
}

/** Where a file of the snapshot is written until the export succeeds (renamed over `file` then). */
export function partialPathOf(file: string): string {
  return `${file}.partial`;
}

/**
 * Writes a snapshot as it streams in: NDJSON lines, a running sha256 and counts, rejects beside it.
 * Every file is written aside (`<file>.partial`, mode 0600) and renamed into place by `finish`, so a
 * failed export leaves nothing at the paths the operator named. With `resume`, what an interrupted run
 * wrote (its `.partial`, else the finished snapshot) is kept (a torn last line is cut) and writing
 * continues after it.
 */
export class SnapshotWriter {
  readonly paths: SnapshotPaths;
  private readonly out: WriteStream;
  private readonly rejectsOut: WriteStream;
  private readonly tally: SnapshotTally;
  private rejectCount: number;
  /** Rejects an earlier run already wrote; a resumed run that meets them again does not repeat them. */
  private readonly earlierRejects: ReadonlySet<string>;
  /** The last user written before this run (resume point), if resuming. */
  readonly resumedFrom: SnapshotLine | undefined;

  private constructor(
    paths: SnapshotPaths,
    resumedFrom: SnapshotLine | undefined,
    flags: "w" | "a",
    tally = new SnapshotTally(),
    earlierRejects: ReadonlySet<string> = new Set(),
  ) {
    this.paths = paths;
    this.tally = tally;
    this.resumedFrom = resumedFrom;
    this.earlierRejects = earlierRejects;
    this.rejectCount = earlierRejects.size;
    this.out = watched(privateWriteStream(partialPathOf(paths.snapshot), flags), (error) => {
      this.failure ??= error;
    });
    this.rejectsOut = watched(privateWriteStream(partialPathOf(paths.rejects), flags), (error) => {
      this.failure ??= error;
    });
  }

  /** A write error (disk full, say) seen on either file; the next write or finish throws it. */
  private failure: Error | undefined;

  private throwIfFailed(): void {
    if (this.failure)
      throw new CliError(
        "OUTPUT",
        `cannot write the snapshot ${this.paths.snapshot}: ${this.failure.message}`,
        {
          cause: this.failure,
        },
      );
  }

  static async open(snapshot: string, options: { resume?: boolean } = {}): Promise<SnapshotWriter> {
    const paths = snapshotPaths(snapshot);
    for (const file of [paths.snapshot, paths.rejects]) {
      const partial = partialPathOf(file);
      // Resuming a run that finished (no partial left): continue from its files, which stay in place.
      if (options.resume && !existsSync(partial) && existsSync(file)) await copyFile(file, partial);
      await ensureWritable(partial, file);
    }
    if (!options.resume) return new SnapshotWriter(paths, undefined, "w");
    // What is there is hashed and counted again; a line cut by a kill (no newline, or unparsable) and
    // anything after it is dropped, so writing continues after the last whole user.
    const tally = new SnapshotTally();
    let last: SnapshotLine | undefined;
    await keepWholeLines(partialPathOf(paths.snapshot), (text) => {
      const parsed = parseSnapshotLine(text);
      if (!parsed.ok) return false;
      last = parsed.user;
      tally.count(parsed.user, `${text}\n`);
      return true;
    });
    // The rejects an earlier run wrote, to be written once only.
    const earlierRejects = new Set<string>();
    await keepWholeLines(partialPathOf(paths.rejects), (text) => {
      if (!isJson(text)) return false;
      earlierRejects.add(text);
      return true;
    });
    return new SnapshotWriter(paths, last, "a", tally, earlierRejects);
  }

  /** Appends one user; waits when the disk is behind. */
  async write(user: SnapshotLine): Promise<void> {
    this.throwIfFailed();
    const text = `${formatSnapshotLine(user)}\n`;
    this.tally.count(user, text);
    if (!this.out.write(text)) await new Promise<void>((resolve) => this.out.once("drain", resolve));
  }

  async reject(row: RejectedRow): Promise<void> {
    this.throwIfFailed();
    const line = JSON.stringify(row);
    if (this.earlierRejects.has(line)) return;
    this.rejectCount++;
    if (!this.rejectsOut.write(`${line}\n`))
      await new Promise<void>((resolve) => this.rejectsOut.once("drain", resolve));
  }

  private unmatchedOut: WriteStream | undefined;
  private readonly unmatchedCounts = { withoutUserDocument: 0, documentWithoutUser: 0 };
  private joined = false;

  /** Says two sources are joined, so the manifest reports who one has and the other lacks. */
  startJoin(): void {
    this.joined = true;
  }

  /**
   * Records a user one joined source has and the other lacks (`<base>.unmatched.ndjson`): an auth user
   * without a user document is still exported; a document without a user is also a reject.
   */
  async unmatched(
    kind: "withoutUserDocument" | "documentWithoutUser",
    row: Omit<RejectedRow, "reason" | "source"> & { readonly email?: string; readonly realmUserId?: string },
  ): Promise<void> {
    this.throwIfFailed();
    this.unmatchedCounts[kind]++;
    this.unmatchedOut ??= watched(privateWriteStream(partialPathOf(this.paths.unmatched), "w"), (error) => {
      this.failure ??= error;
    });
    if (!this.unmatchedOut.write(`${JSON.stringify({ kind, ...row })}\n`))
      await new Promise<void>((resolve) => this.unmatchedOut!.once("drain", resolve));
  }

  get written(): number {
    return this.tally.users;
  }

  get rejected(): number {
    return this.rejectCount;
  }

  private closeAll(): Promise<void> {
    return Promise.all(
      [this.out, this.rejectsOut, this.unmatchedOut]
        .filter((stream): stream is WriteStream => stream !== undefined)
        .map(closeStream),
    ).then(
      () => {},
      () => {},
    );
  }

  /**
   * After a failure: closes the files; a run that wrote no user and no reject removes its partial files
   * (nothing to resume), one that did keeps them for `--resume`. Nothing is at the snapshot's own paths.
   */
  async abandon(): Promise<void> {
    await this.closeAll();
    if (this.written > 0 || this.rejected > 0) return;
    await Promise.all(
      [this.paths.snapshot, this.paths.rejects, this.paths.unmatched].map((file) =>
        rm(partialPathOf(file), { force: true }),
      ),
    );
  }

  /** Closes the files, renames them into place and writes the manifest (last, also written aside). */
  async finish(sources: readonly string[], now: Date = new Date()): Promise<SnapshotManifest> {
    await this.closeAll();
    this.throwIfFailed();
    const manifest: SnapshotManifest = {
      format: "realm-to-cognito/snapshot@1",
      createdAt: now.toISOString(),
      sources: [...sources],
      users: this.tally.users,
      bySource: this.tally.bySource,
      byState: this.tally.byState,
      rejects: this.rejectCount,
      sha256: this.tally.hash.digest("hex"),
      bytes: this.tally.bytes,
      ...(this.joined ? { unmatched: { ...this.unmatchedCounts } } : {}),
    };
    await rename(partialPathOf(this.paths.snapshot), this.paths.snapshot);
    await rename(partialPathOf(this.paths.rejects), this.paths.rejects);
    if (this.unmatchedOut) await rename(partialPathOf(this.paths.unmatched), this.paths.unmatched);
    writePrivateFile(partialPathOf(this.paths.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
    await rename(partialPathOf(this.paths.manifest), this.paths.manifest);
    return manifest;
  }
}

/**
 * Keeps the whole lines at the start of `file` that `take` accepts and cuts the file after the last
 * one: a line a kill cut short (no newline), or one `take` refuses, ends it with all that follows.
 */
async function keepWholeLines(file: string, take: (text: string) => boolean): Promise<void> {
  const size = (await stat(file)).size;
  let goodBytes = 0;
  for await (const { text } of readLines(file)) {
    const end = goodBytes + Buffer.byteLength(text) + 1;
    if (end > size || !take(text)) break;
    goodBytes = end;
  }
  if (goodBytes < size) await truncate(file, goodBytes);
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Keeps a stream's error from becoming an uncaught exception; `onError` records it. */
function watched<T extends NodeJS.EventEmitter>(stream: T, onError: (error: Error) => void): T {
  stream.on("error", onError);
  return stream;
}

class SnapshotTally {
  readonly hash = createHash("sha256");
  bytes = 0;
  users = 0;
  readonly bySource: Record<string, number> = {};
  readonly byState = { confirmed: 0, pending: 0, disabled: 0 };

  count(user: SnapshotLine, text: string): void {
    this.hash.update(text);
    this.bytes += Buffer.byteLength(text);
    this.users++;
    this.bySource[user.source] = (this.bySource[user.source] ?? 0) + 1;
    if (user.disabled) this.byState.disabled++;
    else if (user.confirmed) this.byState.confirmed++;
    else this.byState.pending++;
  }
}

function closeStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) =>
    stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

/** The lines of a text file with their numbers (from 1), streamed. */
export async function* readLines(file: string): AsyncGenerator<{ line: number; text: string }> {
  const input = createReadStream(file, { encoding: "utf8" });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  for await (const text of lines) {
    line++;
    yield { line, text };
  }
}

/** Every parsable user of a snapshot file with its line number; bad lines come back with a reason. */
export async function* readSnapshot(
  file: string,
): AsyncGenerator<{ line: number; user: SnapshotLine } | { line: number; reason: string }> {
  if (!existsSync(file)) throw new CliError("SNAPSHOT", `no snapshot at ${file}: run export first`);
  for await (const { line, text } of readLines(file)) {
    if (text.trim() === "") continue;
    const parsed = parseSnapshotLine(text);
    yield parsed.ok ? { line, user: parsed.user } : { line, reason: parsed.reason };
  }
}

/** Checks a snapshot against its manifest (size and sha256); returns what differs. */
export async function checkSnapshot(file: string): Promise<string[]> {
  const paths = snapshotPaths(file);
  if (!existsSync(paths.manifest)) return [`no manifest beside ${file}`];
  const text = await readFile(paths.manifest, "utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return [`manifest ${paths.manifest} is not valid`];
  }
  const manifest = manifestSchema.safeParse(json);
  if (!manifest.success) return [`manifest ${paths.manifest} is not valid`];
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  const problems: string[] = [];
  if (bytes !== manifest.data.bytes)
    problems.push(`size ${bytes} differs from the manifest's ${manifest.data.bytes}`);
  if (hash.digest("hex") !== manifest.data.sha256) problems.push("sha256 differs from the manifest's");
  return problems;
}
