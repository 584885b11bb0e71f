/**
 * The evidence chain: every accepted notification, in id (arrival) order, hashed together with the one
 * before it: hash(n) = SHA-256(hash(n-1) || record(n)), hash(0) = 32 zero bytes, where record(n) is
 * `<id>\n<received_at ms>\n<source>\n` followed by the notification's exact bytes. Changing, removing or
 * inserting a notification afterwards breaks every hash from there on; `bonnie verify --events` finds
 * the first break.
 */
import {createHash} from 'node:crypto';
import type {Db} from '../../base/catalog/catalog.js';
import {NotificationLog, type NotificationRecord} from '../queue/notifications.js';

const GENESIS: Buffer = Buffer.alloc(32);
/** Links read at a time while verifying (memory stays flat on a catalog of any size). */
const VERIFY_PAGE = 10_000;

/** The chain's link of `row` after `previous` (exported for the archive's record members and `bonnie rebuild`). */
export function chainLink(previous: Buffer, row: NotificationRecord): Buffer {
  return link(previous, row);
}

/** The chain's start: the hash before the first link. */
export const CHAIN_GENESIS: Buffer = GENESIS;

/** Up to `limit` links of notifications after `afterNotificationId`, in order: what the archive's record members carry. */
export function chainLinksAfter(db: Db, afterNotificationId: number, limit: number): Array<{seq: number; notificationId: number; hash: Buffer}> {
  return db
    .prepare<[number, number], {seq: number; notification_id: number; hash: Buffer}>('SELECT seq, notification_id, hash FROM evidence_chain WHERE notification_id > ? ORDER BY seq LIMIT ?')
    .all(afterNotificationId, limit)
    .map((r) => ({seq: r.seq, notificationId: r.notification_id, hash: r.hash}));
}

/** `bonnie rebuild`: writes links read (and checked) from the archive's record members, in the caller's transaction. */
export function restoreChainLinks(db: Db, links: ReadonlyArray<{seq: number; notificationId: number; hash: Buffer}>): void {
  const insert = db.prepare<[number, number, Buffer]>('INSERT INTO evidence_chain (seq, notification_id, hash) VALUES (?, ?, ?)');
  for (const l of links) insert.run(l.seq, l.notificationId, l.hash);
}

function link(previous: Buffer, row: NotificationRecord): Buffer {
  return createHash('sha256').update(previous).update(`${row.id}\n${row.received_at}\n${row.source}\n`).update(row.raw).digest();
}

/** Chains every notification not chained yet, in id order. Run inside the caller's transaction. */
export function extendChain(db: Db, upTo = Number.MAX_SAFE_INTEGER): number {
  const last = db.prepare<[], {seq: number; notification_id: number; hash: Buffer}>('SELECT seq, notification_id, hash FROM evidence_chain ORDER BY seq DESC LIMIT 1').get();
  const insert = db.prepare<[number, number, Buffer]>('INSERT INTO evidence_chain (seq, notification_id, hash) VALUES (?, ?, ?)');
  let previous: Buffer = last?.hash ?? GENESIS;
  let seq = last?.seq ?? 0;
  let added = 0;
  // An array, not an iterator: better-sqlite3 refuses writes on a connection while an iterator is open.
  for (const row of new NotificationLog(db).between(last?.notification_id ?? 0, upTo)) {
    previous = link(previous, row);
    insert.run(++seq, row.id, previous);
    added++;
  }
  return added;
}

export type ChainProblem =
  | {kind: 'hash-mismatch'; seq: number; notificationId: number; expected: string; recorded: string}
  | {kind: 'missing-notification'; seq: number; notificationId: number}
  | {kind: 'unchained-notification'; notificationId: number}
  | {kind: 'out-of-order'; seq: number; notificationId: number};

export interface ChainReport {
  /** Links checked. */
  checked: number;
  /** Notifications received after the last processing run, not chained yet (not a problem). */
  pending: number;
  /** The first break, if any: everything from there on is suspect. */
  firstProblem: ChainProblem | null;
}

/** Recomputes the chain from the notifications and reports the first break. Read-only. */
export function verifyChain(db: Db): ChainReport {
  let previous: Buffer = GENESIS;
  let checked = 0;
  let expectedId = 0;
  const notifications = new NotificationLog(db);
  let lastChained = 0;
  const page = db.prepare<[number, number], {seq: number; notification_id: number; hash: Buffer}>('SELECT seq, notification_id, hash FROM evidence_chain WHERE seq > ? ORDER BY seq LIMIT ?');
  for (let links = page.all(0, VERIFY_PAGE); links.length > 0; links = page.all(checked, VERIFY_PAGE)) for (const link_ of links) {
    const report = (problem: ChainProblem): ChainReport => ({checked, pending: 0, firstProblem: problem});
    if (link_.seq !== checked + 1 || link_.notification_id <= expectedId) return report({kind: 'out-of-order', seq: link_.seq, notificationId: link_.notification_id});
    const skipped = notifications.firstIdBetween(expectedId, link_.notification_id);
    if (skipped !== undefined) return report({kind: 'unchained-notification', notificationId: skipped});
    const row = notifications.byId(link_.notification_id);
    if (row === undefined) return report({kind: 'missing-notification', seq: link_.seq, notificationId: link_.notification_id});
    const hash = link(previous, row);
    if (!hash.equals(link_.hash)) return report({kind: 'hash-mismatch', seq: link_.seq, notificationId: row.id, expected: hash.toString('hex'), recorded: link_.hash.toString('hex')});
    previous = link_.hash;
    expectedId = link_.notification_id;
    lastChained = link_.notification_id;
    checked++;
  }
  const pending = notifications.countAfter(lastChained);
  return {checked, pending, firstProblem: null};
}
