/**
 * Folder delivery (an intercept with `--folder`): each queued PDU becomes one file,
 * `<folder>/<LIID>-<IRI|CC>-<seq, 12 digits>.ber`, mode 0600, owned by root, in a folder 0700 made when
 * missing. The file is written under a temporary name, flushed to disk and renamed: a file with the final
 * name is whole. Exactly once: a PDU is marked delivered after its rename; bonnie killed in between writes
 * the same bytes to the same name again after the restart, which leaves one file.
 */
import {chmodSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync} from 'node:fs';
import {join} from 'node:path';
import type {HandoverQueue, Hi} from '../queue.js';

const SEND_BATCH = 256;

export interface FolderSenderOptions {
  folder: string;
  liid: string;
  queue: HandoverQueue;
  interceptId: number;
  hi: Hi;
  onDelivered?: (seq: number) => void;
  /** Failures (a full disk, a folder that cannot be made): the PDUs wait for the next wake. */
  onError?: (error: Error) => void;
  now?: () => number;
}

/** The file name of PDU `seq` of intercept `liid` on destination `hi`. */
export function pduFileName(liid: string, hi: Hi, seq: number): string {
  return `${liid}-${hi === 2 ? 'IRI' : 'CC'}-${String(seq).padStart(12, '0')}.ber`;
}

export class FolderSender {
  constructor(private readonly options: FolderSenderOptions) {}

  start(): void {
    this.wake();
  }

  /** Writes every PDU not yet delivered, in order; stops at the first failure (reported), for the next wake. */
  wake(): void {
    const {folder, liid, queue, interceptId, hi} = this.options;
    const now = this.options.now ?? Date.now;
    try {
      mkdirSync(folder, {recursive: true, mode: 0o700});
      for (let batch = queue.pending(interceptId, hi, SEND_BATCH); batch.length > 0; batch = queue.pending(interceptId, hi, SEND_BATCH)) {
        for (const pdu of batch) {
          const name = pduFileName(liid, hi, pdu.seq);
          writeWhole(join(folder, `.${name}.tmp`), join(folder, name), pdu.pdu);
          queue.markDelivered(interceptId, hi, pdu.seq, now());
          this.options.onDelivered?.(pdu.seq);
        }
      }
    } catch (error) {
      this.options.onError?.(error instanceof Error ? error : new Error(String(error)));
    }
  }

  async close(): Promise<void> {
    // Writes are synchronous: nothing is in flight.
  }
}

function writeWhole(temporary: string, final: string, bytes: Buffer): void {
  const fd = openSync(temporary, 'w', 0o600);
  try {
    for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(temporary, 0o600);
  renameSync(temporary, final);
}
