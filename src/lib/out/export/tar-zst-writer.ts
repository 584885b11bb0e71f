/**
 * tar.zst: the eml layout as a POSIX tar (ustar; a pax header for a name ustar cannot hold), compressed as
 * one zstd frame stream with checksums, written as it is produced: memory holds one message and the
 * streams' buffers, never the export. Every member sits under one folder named after the file
 * (`alice-2026.tar.zst` -> `alice-2026/`), so `tar --zstd -xf` (or `zstd -d | tar -x`) makes one folder,
 * in which `sha256sum -c SHA256SUMS` checks everything. manifest.json and SHA256SUMS are the last members
 * (they are complete only at the end); `tar --zstd -xOf x.tar.zst x/manifest.json` prints the manifest.
 *
 * The file is created with O_EXCL; after a failure it is removed (it is this export's, and incomplete).
 */
import {createWriteStream, rmSync} from 'node:fs';
import {createHash} from 'node:crypto';
import {basename} from 'node:path';
import {Transform} from 'node:stream';
import {pipeline} from 'node:stream/promises';
import tar from 'tar-stream';
import {CompressStream} from 'zstd-napi';
import {BonnieError, errorMessage} from '../../base/errors.js';
import type {MessageAt} from '../restore/state-at.js';
import {safeSegment} from './layout.js';
import {EXPORT_FILE_MODE, EXPORT_FOLDER_MODE, openFile} from './out-path.js';
import {sha256Hex, type ExportWriter} from './writer.js';

/** zstd level of exports: zstd's default, fast, and what `zstd` itself uses. */
export const EXPORT_ZSTD_LEVEL = 3;

type EntryHeader = Parameters<ReturnType<typeof tar.pack>['entry']>[0];

export class TarZstWriter implements ExportWriter {
  readonly checksums: Array<{path: string; sha256: string}> = [];
  /** The folder every member sits in (no trailing `/`). */
  readonly top: string;
  private readonly pack = tar.pack();
  private readonly fileHash = createHash('sha256');
  private readonly written: Promise<void>;
  private readonly folders = new Set<string>();
  private failure: unknown;
  /** Rejects the member being added (members are added one at a time). */
  private rejectPending: ((error: unknown) => void) | undefined;

  constructor(
    readonly file: string,
    private readonly exportedAt: Date,
  ) {
    this.top = topFolderOf(file);
    const hasher = new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        this.fileHash.update(chunk);
        done(null, chunk);
      },
    });
    // Opened here, synchronously: the file is this writer's from now on (a file already there throws ExportOutExists).
    const output = createWriteStream(file, {fd: openFile(file)});
    this.written = pipeline(this.pack, new CompressStream({compressionLevel: EXPORT_ZSTD_LEVEL, checksumFlag: true}), hasher, output);
    // A failed file write ends the pipeline; the pending member's callback may then never come.
    this.written.catch((error: unknown) => {
      this.failure ??= error;
      this.rejectPending?.(this.writeFailed(error));
    });
  }

  async beginFolder(path: string): Promise<void> {
    await this.folderEntry('');
    const parts = path.split('/');
    for (let i = 1; i <= parts.length; i++) await this.folderEntry(`/${parts.slice(0, i).join('/')}`);
  }

  async addMessage(path: string, message: MessageAt, bytes: Buffer): Promise<string> {
    const relative = `${path}/${message.uid}.eml`;
    await this.entry({name: `${this.top}/${relative}`, type: 'file', mode: EXPORT_FILE_MODE, mtime: new Date(message.internalDate)}, bytes);
    this.checksums.push({path: relative, sha256: message.sha256?.toString('hex') ?? sha256Hex(bytes)});
    return relative;
  }

  async endFolder(_path: string): Promise<void> {}

  async addFile(name: string, bytes: Buffer): Promise<void> {
    await this.folderEntry('');
    await this.entry({name: `${this.top}/${name}`, type: 'file', mode: EXPORT_FILE_MODE, mtime: this.exportedAt}, bytes);
    this.checksums.push({path: name, sha256: sha256Hex(bytes)});
  }

  async close(): Promise<string> {
    this.pack.finalize();
    try {
      await this.written;
    } catch (error) {
      throw this.writeFailed(error);
    }
    return this.fileHash.digest('hex');
  }

  async abort(): Promise<void> {
    this.pack.destroy(new Error('export aborted'));
    await this.written.catch(() => undefined);
    rmSync(this.file, {force: true});
  }

  /** A folder member, once: `''` is the top folder, `/a/b` one under it. */
  private async folderEntry(relative: string): Promise<void> {
    if (this.folders.has(relative)) return;
    this.folders.add(relative);
    await this.entry({name: `${this.top}${relative}/`, type: 'directory', mode: EXPORT_FOLDER_MODE, mtime: this.exportedAt});
  }

  /** Adds a member; resolves once the pack has taken its data and has room for more (its back-pressure). */
  private entry(header: EntryHeader, body?: Buffer): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.writeFailed(this.failure));
    return new Promise<void>((resolve, reject) => {
      this.rejectPending = reject;
      const done = (error?: Error | null) => {
        this.rejectPending = undefined;
        if (error) reject(this.writeFailed(error));
        else resolve();
      };
      if (body === undefined) this.pack.entry(header, done);
      else this.pack.entry(header, body, done);
    });
  }

  private writeFailed(error: unknown): BonnieError {
    if (error instanceof BonnieError) return error;
    return new BonnieError('ExportWriteFailed', `cannot write ${this.file}: ${errorMessage(this.failure ?? error)}`, {cause: error, hint: 'Check the free space and the permissions of --out.'});
  }
}

/** `alice-2026.tar.zst` -> `alice-2026`: the folder the archive's members sit in. */
export function topFolderOf(file: string): string {
  const name = basename(file).replace(/\.(tar\.zst|tar\.zstd|tzst|tar)$/i, '');
  return name === '' ? 'bonnie-export' : safeSegment(name, 'tar.zst', false);
}
