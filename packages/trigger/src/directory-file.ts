import type { FileHandle } from "node:fs/promises";
import {
  compareDirectoryKeys,
  DIRECTORY_FILE_HEADER,
  type DirectoryEntry,
  directoryLineKey,
  emailKey,
  parseDirectoryEntry,
  type SourceUser,
} from "@realm-to-cognito/core";
import { MigrationRefusedError } from "./errors.js";

// node:fs/promises is loaded at the first lookup, not at every cold start: only a deployment with a
// snapshot directory reads files (~0.25 ms of CPU off the import of every other trigger).
async function openFile(file: string): Promise<FileHandle> {
  const { open } = await import("node:fs/promises");
  return open(file, "r");
}

const NEWLINE = 0x0a;
const PROBE_BYTES = 4096;
/** Below this many bytes between the bounds, the rest is read at once and scanned. */
const SCAN_BYTES = 16 * 1024;

/** True when the file starts with the directory file's header (the CLI's `directory` command). */
export async function isDirectoryFile(file: string): Promise<boolean> {
  const handle = await openFile(file);
  try {
    const head = Buffer.alloc(DIRECTORY_FILE_HEADER.length);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return head.subarray(0, bytesRead).toString("utf8") === DIRECTORY_FILE_HEADER;
  } finally {
    await handle.close();
  }
}

/**
 * Looks users up in a sorted directory file by binary search over its lines: about log2(lines)
 * positioned reads of 4 kB a lookup, nothing loaded at cold start, memory independent of its size.
 * Each lookup opens the file and closes it before answering, whatever happens: no handle outlives a
 * lookup, so none is ever left to the garbage collector (which would leak descriptors in a warm Lambda
 * and warn "Closing file descriptor N on garbage collection"), and a file rewritten in place is read
 * afresh. An open and a close cost some 20 µs against the lookup's reads.
 */
export class SortedDirectoryFile {
  constructor(private readonly file: string) {}

  async findByEmail(email: string): Promise<SourceUser | undefined> {
    const key = emailKey(email);
    const line = await this.findLine(key).catch((error: unknown) => {
      throw new MigrationRefusedError("directory-unavailable", "the user directory file cannot be read", {
        cause: error,
      });
    });
    if (line === undefined) return undefined;
    const entry = entryOf(line);
    if (entry === null) return undefined; // two Realm users share this email: it matches nobody
    return {
      realmUserId: entry.realmUserId,
      email: entry.email,
      ...(entry.mongoId !== undefined ? { mongoId: entry.mongoId } : {}),
      ...(entry.extra !== undefined ? { extra: entry.extra } : {}),
      confirmed: true,
      disabled: false,
    };
  }

  /** The line whose key is `key`, with the file open only for this search. */
  private async findLine(key: string): Promise<string | undefined> {
    const handle = await openFile(this.file);
    try {
      const { size } = await handle.stat();
      const header = await readLineAt(handle, 0, size);
      if (!header?.text.startsWith(DIRECTORY_FILE_HEADER)) throw new Error("not a directory file");
      return await searchLines(handle, header.end, size, key);
    } finally {
      await handle.close();
    }
  }
}

/** The line whose key is `key`, searched in [lo, hi) where lo is always a line start. */
async function searchLines(
  handle: FileHandle,
  dataStart: number,
  size: number,
  key: string,
): Promise<string | undefined> {
  let lo = dataStart;
  let hi = size;
  while (hi - lo > SCAN_BYTES) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const line = await firstLineFrom(handle, mid, size);
    if (line === undefined || line.start >= hi) {
      hi = mid; // no line starts in [mid, hi): the key can only start before mid
      continue;
    }
    const order = compareDirectoryKeys(directoryLineKey(line.text) ?? "", key);
    if (order === 0) return line.text;
    if (order < 0) lo = line.end;
    else hi = line.start;
  }
  return scan(handle, lo, hi, size, key);
}

/** The entry of a found line; a damaged line is refused without quoting it (it holds an email). */
function entryOf(line: string): DirectoryEntry | null {
  try {
    return parseDirectoryEntry(line);
  } catch {
    throw new MigrationRefusedError(
      "directory-unavailable",
      "a line of the user directory file is damaged: write the file again with realm-to-cognito directory",
    );
  }
}

/**
 * The first whole line starting at or after `position` (a line starts after each newline), read
 * with one positioned read when it fits in a probe.
 */
async function firstLineFrom(
  handle: FileHandle,
  position: number,
  size: number,
): Promise<{ start: number; text: string; end: number } | undefined> {
  let at = position - 1;
  const buffer = Buffer.alloc(PROBE_BYTES);
  while (at < size) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, at);
    if (bytesRead === 0) return undefined;
    const read = buffer.subarray(0, bytesRead);
    const newline = read.indexOf(NEWLINE);
    if (newline < 0) {
      at += bytesRead;
      continue;
    }
    const start = at + newline + 1;
    const next = read.indexOf(NEWLINE, newline + 1);
    if (next >= 0)
      return { start, text: read.subarray(newline + 1, next).toString("utf8"), end: at + next + 1 };
    const line = await readLineAt(handle, start, size);
    return line === undefined ? undefined : { start, ...line };
  }
  return undefined;
}

/** The line starting at `start` (without its newline) and where the next one starts. */
async function readLineAt(
  handle: FileHandle,
  start: number,
  size: number,
): Promise<{ text: string; end: number } | undefined> {
  if (start >= size) return undefined;
  const chunks: Buffer[] = [];
  let at = start;
  while (at < size) {
    const buffer = Buffer.alloc(PROBE_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, at);
    if (bytesRead === 0) break;
    const newline = buffer.subarray(0, bytesRead).indexOf(NEWLINE);
    if (newline >= 0) {
      chunks.push(buffer.subarray(0, newline));
      return { text: Buffer.concat(chunks).toString("utf8"), end: at + newline + 1 };
    }
    chunks.push(buffer.subarray(0, bytesRead));
    at += bytesRead;
  }
  return { text: Buffer.concat(chunks).toString("utf8"), end: size };
}

/** Reads [lo, hi) at once and returns the line with `key` among those starting there. */
async function scan(
  handle: FileHandle,
  lo: number,
  hi: number,
  size: number,
  key: string,
): Promise<string | undefined> {
  const length = Math.min(hi, size) - lo;
  if (length <= 0) return undefined;
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, lo);
  let offset = 0;
  while (offset < bytesRead) {
    const newline = buffer.indexOf(NEWLINE, offset);
    const whole = newline >= 0 && newline < bytesRead;
    const text = whole
      ? buffer.subarray(offset, newline).toString("utf8")
      : (await readLineAt(handle, lo + offset, size))?.text; // the last line runs past hi
    if (text === undefined) return undefined;
    const order = compareDirectoryKeys(directoryLineKey(text) ?? "", key);
    if (order === 0) return text;
    if (order > 0 || !whole) return undefined;
    offset = newline + 1;
  }
  return undefined;
}
