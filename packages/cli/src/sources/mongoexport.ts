import { createReadStream } from "node:fs";
import { EJSON } from "bson";

/** One document of a mongoexport file, or why it could not be read; `line` is where it starts. */
export type ExportedDocument =
  | { line: number; doc: Record<string, unknown>; raw: Record<string, unknown> }
  | { line: number; error: string };

/**
 * Streams the documents of a `mongoexport` file: canonical or relaxed Extended JSON, one document a
 * line (the default) or one JSON array (`--jsonArray`). Memory stays flat: documents are split by
 * scanning braces, never by loading the file.
 */
export async function* readMongoexport(file: string): AsyncGenerator<ExportedDocument> {
  const splitter = new DocumentSplitter();
  for await (const chunk of createReadStream(file, { encoding: "utf8", highWaterMark: 1 << 20 })) {
    for (const piece of splitter.push(chunk as string)) yield toDocument(piece);
  }
  for (const piece of splitter.end()) yield toDocument(piece);
}

function toDocument(
  piece: { line: number; text: string } | { line: number; error: string },
): ExportedDocument {
  if ("error" in piece) return piece;
  try {
    // `doc` holds the driver's BSON values, and reading it checks the Extended JSON; `raw` is the
    // document as the file wrote it (plain JSON values), from which core reads ids, dates and numbers,
    // so a relaxed integer past 2^53 is seen for what it is rather than rounded.
    const doc = EJSON.parse(piece.text, { relaxed: false }) as unknown;
    if (typeof doc !== "object" || doc === null || Array.isArray(doc))
      return { line: piece.line, error: "not a JSON object" };
    const raw = JSON.parse(piece.text) as Record<string, unknown>;
    return { line: piece.line, doc: doc as Record<string, unknown>, raw };
  } catch (error) {
    return { line: piece.line, error: `not valid Extended JSON: ${(error as Error).message}` };
  }
}

/**
 * Splits a text stream into top-level JSON objects, in lines or inside one array. Tracks strings and
 * nesting; anything outside an object that is not whitespace, a comma or the array's brackets is
 * reported as a bad line and skipped up to the next newline.
 */
class DocumentSplitter {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private current: string[] = [];
  private start = 0;
  private line = 1;
  private arrayMode: boolean | undefined;
  private junk: { line: number; text: string } | undefined;

  *push(chunk: string): Generator<{ line: number; text: string } | { line: number; error: string }> {
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (this.depth > 0) {
        if (this.inString) {
          if (this.escaped) this.escaped = false;
          else if (c === 92) this.escaped = true;
          else if (c === 34) this.inString = false;
          else if (c === 10) {
            // A newline inside a string: the line was cut (mongoexport escapes newlines).
            this.current.push(chunk.slice(from, i));
            yield { line: this.start, error: "unterminated string (the line was cut)" };
            this.reset();
            from = i + 1;
          }
        } else if (c === 34) this.inString = true;
        else if (c === 123 || c === 91) this.depth++;
        else if (c === 125 || c === 93) {
          this.depth--;
          if (this.depth === 0) {
            this.current.push(chunk.slice(from, i + 1));
            yield { line: this.start, text: this.current.join("") };
            this.current = [];
            from = i + 1;
          }
        } else if (c === 10 && this.arrayMode === false) {
          this.current.push(chunk.slice(from, i));
          yield { line: this.start, error: "the document does not end on its line" };
          this.reset();
          from = i + 1;
        }
        if (c === 10) this.line++;
        continue;
      }
      // Between documents.
      if (c === 10) {
        if (this.junk) yield this.flushJunk();
        this.line++;
      } else if (c === 123) {
        if (this.junk) yield this.flushJunk();
        this.depth = 1;
        this.start = this.line;
        from = i;
        this.current = [];
        if (this.arrayMode === undefined) this.arrayMode = false;
        continue;
      } else if (c === 91 && this.arrayMode === undefined) this.arrayMode = true;
      else if (c === 93 && this.arrayMode === true) {
        /* end of the array */
      } else if (c === 44 && this.arrayMode === true) {
        /* separator */
      } else if (c !== 32 && c !== 9 && c !== 13 && c !== 0xfeff) {
        if (this.junk === undefined) this.junk = { line: this.line, text: "" };
        this.junk.text += chunk[i];
      }
      from = i + 1;
    }
    if (this.depth > 0) this.current.push(chunk.slice(from));
  }

  *end(): Generator<{ line: number; error: string }> {
    if (this.depth > 0) yield { line: this.start, error: "the file ends inside a document" };
    if (this.junk) yield this.flushJunk();
  }

  private flushJunk(): { line: number; error: string } {
    const junk = this.junk!;
    this.junk = undefined;
    return { line: junk.line, error: `not a JSON object: ${junk.text.slice(0, 40)}` };
  }

  private reset(): void {
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.current = [];
  }
}
