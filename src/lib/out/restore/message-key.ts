/**
 * How a restore recognises a message already in the destination folder: by its Message-ID header and size
 * (what IMAP can tell without downloading), or, for a message without a Message-ID, by the SHA-256 of its
 * bytes. Never by UID: a restored message gets a new one.
 */
import {createHash} from 'node:crypto';
import {readHeader} from '../../core/mail/headers.js';

/** The Message-ID header of a message (unfolded, trimmed), or undefined when it has none or an empty one. */
export function messageIdOf(bytes: Uint8Array): string | undefined {
  const id = readHeader(bytes).get('message-id');
  return id === '' ? undefined : id;
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
