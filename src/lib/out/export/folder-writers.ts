/**
 * The formats written as a tree of files under --out:
 *
 * - eml: `<folder>/<uid>.eml`, each file a message's exact bytes, its modification time the internal date;
 * - maildir: `<folder>/{cur,new,tmp}`, each message in `cur/` named as {@link maildirFileName} says, its
 *   modification time the internal date;
 * - mbox: `<folder>.mbox`, one mboxrd file per folder ({@link mboxrdEntry}); an empty folder is an empty file.
 *
 * After a failure the files already written stay: an export without manifest.json is incomplete.
 */
import {closeSync} from 'node:fs';
import {createHash, type Hash} from 'node:crypto';
import type {MessageAt} from '../restore/state-at.js';
import {maildirFileName, maildirHost} from './maildir.js';
import {mboxrdEntry} from './mboxrd.js';
import {mkdirUnder, openFile, under, writeChunk, writeNewFile} from './out-path.js';
import {sha256Hex, type ExportWriter} from './writer.js';

abstract class FolderTreeWriter implements ExportWriter {
  readonly checksums: Array<{path: string; sha256: string}> = [];

  constructor(protected readonly root: string) {}

  abstract beginFolder(path: string): Promise<void>;
  abstract addMessage(path: string, message: MessageAt, bytes: Buffer): Promise<string>;

  async endFolder(_path: string): Promise<void> {}

  async addFile(name: string, bytes: Buffer): Promise<void> {
    writeNewFile(under(this.root, name), [bytes]);
    this.checksums.push({path: name, sha256: sha256Hex(bytes)});
  }

  async close(): Promise<undefined> {
    return undefined;
  }

  async abort(): Promise<void> {}

  /** Writes a message file at `relative`, recording its checksum (the blob id: the archive re-hashed the bytes). */
  protected writeMessage(relative: string, message: MessageAt, bytes: Buffer): string {
    writeNewFile(under(this.root, relative), [bytes], message.internalDate);
    this.checksums.push({path: relative, sha256: message.sha256?.toString('hex') ?? sha256Hex(bytes)});
    return relative;
  }
}

export class EmlWriter extends FolderTreeWriter {
  async beginFolder(path: string): Promise<void> {
    mkdirUnder(this.root, path);
  }

  async addMessage(path: string, message: MessageAt, bytes: Buffer): Promise<string> {
    return this.writeMessage(`${path}/${message.uid}.eml`, message, bytes);
  }
}

export class MaildirWriter extends FolderTreeWriter {
  private readonly host = maildirHost();

  async beginFolder(path: string): Promise<void> {
    for (const sub of ['cur', 'new', 'tmp']) mkdirUnder(this.root, `${path}/${sub}`);
  }

  async addMessage(path: string, message: MessageAt, bytes: Buffer): Promise<string> {
    return this.writeMessage(`${path}/cur/${maildirFileName(message.uid, message.internalDate, message.flags, this.host)}`, message, bytes);
  }
}

export class MboxWriter extends FolderTreeWriter {
  private open: {path: string; file: string; absolute: string; fd: number; hash: Hash} | undefined;

  async beginFolder(path: string): Promise<void> {
    const file = `${path}.mbox`;
    const slash = path.lastIndexOf('/');
    if (slash > 0) mkdirUnder(this.root, path.slice(0, slash));
    const absolute = under(this.root, file);
    this.open = {path, file, absolute, fd: openFile(absolute), hash: createHash('sha256')};
  }

  async addMessage(path: string, message: MessageAt, bytes: Buffer): Promise<string> {
    const open = this.current(path);
    for (const chunk of mboxrdEntry(bytes, message.internalDate)) {
      writeChunk(open.fd, chunk, open.absolute);
      open.hash.update(chunk);
    }
    return open.file;
  }

  override async endFolder(path: string): Promise<void> {
    const open = this.current(path);
    this.open = undefined;
    closeSync(open.fd);
    this.checksums.push({path: open.file, sha256: open.hash.digest('hex')});
  }

  override async abort(): Promise<void> {
    if (this.open !== undefined) closeSync(this.open.fd);
    this.open = undefined;
  }

  private current(path: string): NonNullable<MboxWriter['open']> {
    if (this.open?.path !== path) throw new Error(`mbox writer: folder ${path} is not the one begun`);
    return this.open;
  }
}
