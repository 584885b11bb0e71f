/**
 * The socket daemon's reading thread (a worker thread): reads Cyrus' notify socket in a tight loop and
 * appends every datagram to the capture journal, and does nothing else. It never touches the catalog, never
 * parses JSON, and never waits on anything but the socket and the journal's write: what the main thread does
 * with the catalog (commits, a lock held by `bonnie process`) cannot make Cyrus wait.
 *
 * Contracts:
 * - A datagram is in the journal before the next one is read. Between the read and the write nothing can
 *   fail but the write itself.
 * - The socket is non-blocking (systemd: `NonBlocking=yes`; bonnie's socket holder sets O_NONBLOCK). An empty
 *   socket is polled after a pause that grows from 1 to 16 ms while it stays empty: a burst is read as fast as
 *   Cyrus sends it, an idle daemon wakes ~60 times a second.
 * - Disk full: the reserve is released and the write tried again; if that fails too, records are held in
 *   memory (up to `maxHeldBytes`, then the socket is no longer read, so Cyrus waits: nothing is lost) and
 *   written as soon as there is room.
 * - Stop (control word 0 set by the main thread): reads until the socket is empty, writes everything held,
 *   closes the journal, exits. While the disk stays full, it keeps trying: it never exits holding a record.
 */
import {readSync} from 'node:fs';
import {parentPort, workerData} from 'node:worker_threads';
import {encodeRecord, JournalWriter} from './journal.js';
import {isNoSpace, releaseReserve} from './reserve.js';

/** What the main thread hands the reading thread. */
export interface SocketReaderData {
  fd: number;
  journalDir: string;
  spill: string;
  maxHeldBytes: number;
  /** Int32Array over it: [0] stop requested, [1] wake-up counter (Atomics.wait/notify), [2] new file requested. */
  control: SharedArrayBuffer;
  /** BigInt64Array over it, see {@link COUNTER}. */
  counters: SharedArrayBuffer;
}

/** Slots of the shared counters. */
export const COUNTER = {received: 0, journaled: 1, heldBytes: 2, reserveReleases: 3, diskFullWaits: 4, activeStamp: 5} as const;
export const COUNTER_SLOTS = 6;

/** Messages the reading thread posts to the main thread. */
export type SocketReaderMessage =
  | {type: 'reserve-released'; reason: string}
  | {type: 'disk-full'; reason: string}
  | {type: 'disk-writable'}
  | {type: 'fatal'; error: string};

/** Larger than any datagram Cyrus sends (64 KiB): a datagram is never cut. */
const READ_BUFFER_BYTES = 256 * 1024;
const MIN_PAUSE_MS = 1;
const MAX_PAUSE_MS = 16;
const DISK_FULL_RETRY_MS = 50;

function run(data: SocketReaderData): void {
  const control = new Int32Array(data.control);
  const counters = new BigInt64Array(data.counters);
  const post = (message: SocketReaderMessage) => parentPort?.postMessage(message);
  const pause = (ms: number) => Atomics.wait(control, 1, Atomics.load(control, 1), ms);
  // The file being written is published in shared memory before it is created: the main thread must never
  // take it for a finished one (journal-drain.ts removes finished files).
  const writer = new JournalWriter(data.journalDir, undefined, (stamp) => Atomics.store(counters, COUNTER.activeStamp, BigInt(stamp)));
  const held: Buffer[] = [];
  let heldBytes = 0;
  let diskFull = false;

  /** Writes one record, giving up the reserve once on a full disk. False when there is still no room. */
  const write = (record: Buffer): boolean => {
    try {
      writer.append(record);
    } catch (error) {
      if (!isNoSpace(error)) throw error;
      let released = false;
      try {
        released = releaseReserve(data.spill);
      } catch {
        released = false;
      }
      if (!released) return false;
      Atomics.add(counters, COUNTER.reserveReleases, 1n);
      post({type: 'reserve-released', reason: (error as Error).message});
      try {
        writer.append(record);
      } catch (again) {
        if (!isNoSpace(again)) throw again;
        return false;
      }
    }
    Atomics.add(counters, COUNTER.journaled, 1n);
    return true;
  };

  /** Writes what is held, oldest first; true when nothing is held any more. */
  const flushHeld = (): boolean => {
    while (held.length > 0) {
      if (!write(held[0] as Buffer)) return false;
      heldBytes -= (held.shift() as Buffer).length;
      Atomics.store(counters, COUNTER.heldBytes, BigInt(heldBytes));
    }
    if (diskFull) {
      diskFull = false;
      post({type: 'disk-writable'});
    }
    return true;
  };

  const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  let idlePause = MIN_PAUSE_MS;
  for (;;) {
    // The main thread asks for a new file once the current one is all in the catalog: the drain then removes
    // it, so the journal holds no more than what is waiting (the disk's room is the catalog's too).
    if (Atomics.compareExchange(control, 2, 1, 0) === 1) writer.rotate();
    if (held.length > 0 && !flushHeld()) {
      if (!diskFull) {
        diskFull = true;
        post({type: 'disk-full', reason: 'no room for the journal, even after releasing the reserve'});
      }
      if (heldBytes >= data.maxHeldBytes) {
        // Stop reading: Cyrus' sendto() waits on the full socket queue, and no event is lost.
        Atomics.add(counters, COUNTER.diskFullWaits, 1n);
        pause(DISK_FULL_RETRY_MS);
        continue;
      }
    }
    let n: number;
    try {
      n = readSync(data.fd, buffer, 0, buffer.length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK') {
        if (Atomics.load(control, 0) === 1 && held.length === 0) break;
        pause(held.length > 0 ? DISK_FULL_RETRY_MS : idlePause);
        idlePause = Math.min(MAX_PAUSE_MS, idlePause * 2);
        continue;
      }
      if (code === 'EINTR') continue;
      throw error;
    }
    idlePause = MIN_PAUSE_MS;
    Atomics.add(counters, COUNTER.received, 1n);
    const record = encodeRecord(buffer.subarray(0, n), Date.now());
    if (held.length > 0 || !write(record)) {
      held.push(record);
      heldBytes += record.length;
      Atomics.store(counters, COUNTER.heldBytes, BigInt(heldBytes));
    }
  }
  writer.close();
}

if (parentPort !== null) {
  try {
    run(workerData as SocketReaderData);
  } catch (error) {
    parentPort.postMessage({type: 'fatal', error: error instanceof Error ? `${error.message}` : String(error)} satisfies SocketReaderMessage);
  }
}
