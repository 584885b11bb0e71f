/**
 * The DLP alerts' evidence chain (issue 15, 4): every alert, in id order, is hashed with the link before it,
 * as the notifications' chain (process/chain.ts) and retention's policy log: hash(n) = SHA-256(hash(n-1) ||
 * the alert's row as JSON, every column in a fixed order), hash(0) = 32 zero bytes. `dlp_alert_chain`
 * (migration 19) holds one link per alert; this module owns it and reads `dlp_alert`.
 *
 * Contracts:
 * - {@link AlertChain.extend} runs in the transaction that raises an alert (alerts.ts), so an alert and its
 *   link commit together; alerts raised before migration 19 are linked by the first raise after it.
 * - {@link AlertChain.verify} is read-only: an alert changed, removed or inserted after it was linked breaks
 *   the chain from that point; the first break is reported with the alert it concerns. Alerts not linked
 *   yet (only after the last linked one: nothing has been raised since migration 19) are counted as pending.
 */
import {createHash} from 'node:crypto';
import type {Db} from '../../base/catalog/catalog.js';

const GENESIS = Buffer.alloc(32);
const PAGE = 1000;

/** The columns of a dlp_alert row, in the order they are hashed. */
const COLUMNS = ['id', 'dedup_key', 'at', 'raised_at', 'rule', 'severity', 'kind', 'behaviour', 'direction', 'person_id', 'login', 'session_id', 'client_ip', 'mailbox_id', 'folder', 'message_refs', 'placement_ids', 'count', 'summary', 'notification_ids'] as const;

type AlertRow = Record<(typeof COLUMNS)[number], string | number | null>;

export type AlertChainProblem =
  | {kind: 'hash-mismatch'; alertId: number}
  | {kind: 'unchained-alert'; alertId: number}
  | {kind: 'missing-alert'; alertId: number};

export interface AlertChainReport {
  /** Alerts whose link was recomputed and matched. */
  checked: number;
  /** Alerts after the last link, not linked yet. */
  pending: number;
  firstProblem: AlertChainProblem | null;
}

function link(previous: Buffer, row: AlertRow): Buffer {
  return createHash('sha256').update(previous).update(JSON.stringify(COLUMNS.map((c) => row[c]))).digest();
}

export class AlertChain {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      last: db.prepare<[], {alert_id: number; hash: Buffer}>('SELECT alert_id, hash FROM dlp_alert_chain ORDER BY alert_id DESC LIMIT 1'),
      after: db.prepare<[number, number], AlertRow>(`SELECT ${COLUMNS.join(', ')} FROM dlp_alert WHERE id > ? ORDER BY id LIMIT ?`),
      append: db.prepare<[number, Buffer]>('INSERT INTO dlp_alert_chain (alert_id, hash) VALUES (?, ?)'),
      page: db.prepare<[number, number], AlertRow & {chain_hash: Buffer | null}>(
        `SELECT ${COLUMNS.map((c) => `a.${c}`).join(', ')}, c.hash AS chain_hash FROM dlp_alert a LEFT JOIN dlp_alert_chain c ON c.alert_id = a.id WHERE a.id > ? ORDER BY a.id LIMIT ?`,
      ),
      orphan: db.prepare<[], {alert_id: number}>('SELECT c.alert_id FROM dlp_alert_chain c LEFT JOIN dlp_alert a ON a.id = c.alert_id WHERE a.id IS NULL ORDER BY c.alert_id LIMIT 1'),
    };
  }

  /** Links every alert after the last linked one (call in the transaction that raised them); returns how many. */
  extend(): number {
    const last = this.s.last.get();
    let previous: Buffer = last?.hash ?? GENESIS;
    let after = last?.alert_id ?? 0;
    let linked = 0;
    for (let rows = this.s.after.all(after, PAGE); rows.length > 0; rows = this.s.after.all(after, PAGE)) {
      for (const row of rows) {
        previous = link(previous, row);
        this.s.append.run(row.id as number, previous);
        after = row.id as number;
        linked++;
      }
    }
    return linked;
  }

  /** Recomputes the chain from the first alert; read-only. */
  verify(): AlertChainReport {
    const orphan = this.s.orphan.get();
    let previous: Buffer = GENESIS;
    let checked = 0;
    let pending = 0;
    let firstUnchained: number | undefined;
    let after = 0;
    for (let rows = this.s.page.all(0, PAGE); rows.length > 0; rows = this.s.page.all(after, PAGE)) {
      for (const row of rows) {
        after = row.id as number;
        if (row.chain_hash === null) {
          firstUnchained ??= after;
          pending++;
          continue;
        }
        // A linked alert after an unlinked one: the unlinked one was inserted afterwards.
        if (firstUnchained !== undefined) return {checked, pending: 0, firstProblem: {kind: 'unchained-alert', alertId: firstUnchained}};
        previous = link(previous, row);
        if (!previous.equals(row.chain_hash)) return {checked, pending: 0, firstProblem: {kind: orphan !== undefined && orphan.alert_id < after ? 'missing-alert' : 'hash-mismatch', alertId: orphan !== undefined && orphan.alert_id < after ? orphan.alert_id : after}};
        checked++;
      }
    }
    if (orphan !== undefined) return {checked, pending, firstProblem: {kind: 'missing-alert', alertId: orphan.alert_id}};
    return {checked, pending, firstProblem: null};
  }
}
