/**
 * How a restore recognises a message already in the destination folder: by its Message-ID header and size
 * (what IMAP can tell without downloading), or, for a message without a Message-ID, by the SHA-256 of its
 * bytes. Never by UID: a restored message gets a new one.
 */
import {createHash} from 'node:crypto';

/** The Message-ID header of a message (unfolded, trimmed), or undefined. Reads the header block only. */
export function messageIdOf(bytes: Buffer): string | undefined {
  let end = bytes.indexOf('\r\n\r\n');
  if (end < 0) end = bytes.indexOf('\n\n');
  const header = bytes.subarray(0, end < 0 ? Math.min(bytes.length, 65536) : end).toString('latin1');
  const match = /^message-id:[ \t]*((?:.*)(?:\r?\n[ \t].*)*)/im.exec(header);
  if (match === null) return undefined;
  const value = (match[1] as string).replace(/\r?\n[ \t]+/g, ' ').trim();
  return value === '' ? undefined : value;
}

/** The key of a message: `id:<Message-ID>|<size>`, or `sha:<hex>` without a Message-ID. */
export function keyOfBytes(bytes: Buffer): string {
  const id = messageIdOf(bytes);
  return id === undefined ? `sha:${createHash('sha256').update(bytes).digest('hex')}` : `id:${id}|${bytes.length}`;
}

/** A multiset of keys: a folder may legitimately hold the same message twice. */
export class KeyCounts {
  private readonly counts = new Map<string, number>();

  add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** Removes one occurrence; false when there was none. */
  take(key: string): boolean {
    const n = this.counts.get(key) ?? 0;
    if (n === 0) return false;
    this.counts.set(key, n - 1);
    return true;
  }
}
