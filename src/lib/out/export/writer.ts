/**
 * The contract between `exportFolders` and each output format. Calls come in this order: for each folder
 * `beginFolder`, its messages in UID order (`addMessage`), `endFolder`; then the root files (`addFile`:
 * manifest.json, then SHA256SUMS); then `close`. After any failure the caller calls `abort` and nothing
 * else.
 */
import {createHash} from 'node:crypto';
import type {MessageAt} from '../restore/state-at.js';

/** Characters gathered before they are encoded, in {@link textBuffer}. */
const TEXT_BATCH = 64 * 1024;

export interface ExportWriter {
  /** Paths (relative to the export's root, `/`-separated) and SHA-256 (hex) of the files written so far. */
  readonly checksums: ReadonlyArray<{path: string; sha256: string}>;
  /** Starts a folder at `path` (relative to the root); it exists in the output even if it stays empty. */
  beginFolder(path: string): Promise<void>;
  /**
   * Adds a message's exact bytes (whose SHA-256 is `message.sha256`) to the folder at `path`. Returns the
   * path (relative to the root) of the file that holds it.
   */
  addMessage(path: string, message: MessageAt, bytes: Buffer): Promise<string>;
  /** Ends the folder at `path`. */
  endFolder(path: string): Promise<void>;
  /** Adds a file at the root. */
  addFile(name: string, bytes: Buffer): Promise<void>;
  /** Completes the output. Returns the SHA-256 of the output file, for formats that write one file. */
  close(): Promise<string | undefined>;
  /** Gives up after a failure (the writer says what it leaves behind). Never throws. */
  abort(): Promise<void>;
}

/** GNU coreutils' checksum file: `<hex>  <path>` lines, escaping `\` and line breaks the way sha256sum does. */
export function checksumFile(entries: ReadonlyArray<{path: string; sha256: string}>): Buffer {
  return textBuffer(
    entries.map(({path, sha256}) => {
      if (!/[\\\n\r]/.test(path)) return `${sha256}  ${path}\n`;
      return `\\${sha256}  ${path.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('\r', '\\r')}\n`;
    }),
  );
}

/** Text pieces as one UTF-8 Buffer, without ever building one string of it all (V8 caps strings at ~512 MB). */
export function textBuffer(pieces: Iterable<string>): Buffer {
  const chunks: Buffer[] = [];
  let batch = '';
  for (const piece of pieces) {
    batch += piece;
    if (batch.length >= TEXT_BATCH) {
      chunks.push(Buffer.from(batch));
      batch = '';
    }
  }
  chunks.push(Buffer.from(batch));
  return Buffer.concat(chunks);
}

/** SHA-256 of `bytes`, lower-case hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
