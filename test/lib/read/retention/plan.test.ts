/** Retention's decisions: folder patterns, and a period counted from when a message left its last folder. */
import {describe, expect, it} from 'vitest';
import {openCatalog} from '../../../../src/lib/base/catalog/catalog.js';
import {processQueue} from '../../../../src/lib/pipeline/process/engine.js';
import {matches, planPrune} from '../../../../src/lib/read/retention/plan.js';
import {SearchIndex} from '../../../../src/lib/read/search/search-index.js';
import {NoDirectory, type DirectoryPerson} from '../../../../src/lib/sources/directory/types.js';
import {deliver, SPECIMEN_FILES} from '../../../helpers/record.js';

describe('retention folder patterns', () => {
  it('match the whole path, * anything (sub-folders too), INBOX in any case, other names exactly', () => {
    expect(matches('Sent', 'Sent')).toBe(true);
    expect(matches('Sent', 'Sent.2026')).toBe(false);
    expect(matches('Sent*', 'Sent.2026')).toBe(true);
    expect(matches('Archive.*', 'Archive.2026.Q1')).toBe(true);
    expect(matches('Archive.*', 'Archive')).toBe(false);
    expect(matches('inbox', 'INBOX')).toBe(true);
    expect(matches('trash', 'Trash')).toBe(false);
    expect(matches('a.b', 'axb')).toBe(false);
  });
});

describe('a retention period counted from when a message left its last folder', () => {
  it('lets go only messages every place of which is gone, counted from the last removal', async () => {
    const catalog = openCatalog(':memory:', {create: true});
    try {
      // The 96 specimens: alice's messages, copied, moved, expunged (Cyrus 3.6 as captured).
      deliver(catalog.db, SPECIMEN_FILES.map((_, i) => i + 1));
      await processQueue(catalog, new NoDirectory(), {spillDir: '/nonexistent', maxAttempts: 5});
      type Row = {mailbox_id: string; uid_validity: number; uid: number; message: number; removed_at: number | null};
      const places = catalog.db.prepare('SELECT mailbox_id, uid_validity, uid, message, removed_at FROM placement').all() as Row[];
      // Index every place as the archive would, one content per message of the record.
      const index = new SearchIndex(catalog.db);
      const docs = new Map<number, number>();
      for (const p of places) {
        const folder = index.saveFolder({mailboxId: p.mailbox_id, name: p.mailbox_id, path: 'INBOX', owner: 'alice', deleted: false, snapshot: undefined}).id;
        const sha = Buffer.alloc(32);
        sha.writeUInt32BE(p.message);
        const doc = docs.get(p.message) ?? index.addDoc({sha256: sha, doc: undefined, problem: null, size: 100, fallback: {date: Date.UTC(2026, 10, 22), source: 'seen'}});
        docs.set(p.message, doc);
        index.addItem(folder, p.uid_validity, p.uid, doc, 'alice', {flags: [], deleted: p.removed_at !== null, removal: null, internalDate: null, seenAt: null});
      }
      const gone = new Map<number, number>();
      const present = new Set<number>();
      for (const p of places) {
        if (p.removed_at === null) present.add(p.message);
        else gone.set(p.message, Math.max(gone.get(p.message) ?? 0, p.removed_at));
      }
      const left = [...gone].filter(([m]) => !present.has(m));
      expect(left.length, 'the specimens expunge some messages whole').toBeGreaterThan(0);
      expect(present.size).toBeGreaterThan(0);

      const rule = {id: 1, name: 'after-left', periodMs: 60_000, basis: 'left' as const, action: 'delete' as const, createdAt: 0, createdBy: 't', removedAt: null, removedBy: null};
      const lastLeft = Math.max(...left.map(([, at]) => at));
      // A minute after the last of them left: all of them expired; nothing still in a folder.
      const {plan} = planPrune(catalog.db, [rule], [], lastLeft + 60_000);
      expect(plan).toMatchObject({messages: docs.size, expired: left.length});
      // Just before: the last one to leave has not been gone a minute yet.
      expect(planPrune(catalog.db, [rule], [], lastLeft + 59_999).plan.expired).toBe(left.length - left.filter(([, at]) => at === lastLeft).length);
    } finally {
      catalog.close();
    }
  });
});

describe('a rule or hold scoped by directory groups', () => {
  it('covers the folders of the members of a group as the record last saw them, and no one else', async () => {
    const catalog = openCatalog(':memory:', {create: true});
    try {
      // A directory in which alice is in Finance (the record keeps what process read from it).
      const directory = new (class extends NoDirectory {
        override async lookUp(login: string): Promise<DirectoryPerson | undefined> {
          const person = await super.lookUp(login);
          return person === undefined ? undefined : {...person, groups: login.toLowerCase() === 'alice' ? ['Finance'] : ['Sales']};
        }
      })();
      deliver(catalog.db, SPECIMEN_FILES.map((_, i) => i + 1));
      await processQueue(catalog, directory, {spillDir: '/nonexistent', maxAttempts: 5});
      const index = new SearchIndex(catalog.db);
      const own = (owner: string, n: number) => {
        const folder = index.saveFolder({mailboxId: `m-${owner}`, name: `user.${owner}`, path: 'INBOX', owner, deleted: false, snapshot: undefined}).id;
        const sha = Buffer.alloc(32);
        sha.write(`${owner}${n}`);
        const doc = index.addDoc({sha256: sha, doc: undefined, problem: null, size: 100, fallback: {date: Date.UTC(2026, 0, 1), source: 'seen'}});
        index.addItem(folder, 1, n, doc, owner, {flags: [], deleted: false, removal: null, internalDate: null, seenAt: null});
      };
      own('alice', 1);
      own('alice', 2);
      own('bob', 1);
      const base = {periodMs: 86_400_000, basis: 'date' as const, action: 'delete' as const, createdAt: 0, createdBy: 't', removedAt: null, removedBy: null};
      const now = Date.UTC(2026, 11, 1);
      // Group names compare without case; bob is in Sales only, so no rule decides his message.
      const finance = {...base, id: 1, name: 'finance', groups: ['finance']};
      expect(planPrune(catalog.db, [finance], [], now).plan).toMatchObject({messages: 3, expired: 2, kept: 1});
      // A hold on Sales keeps bob's message under a rule for everyone.
      const everyone = {...base, id: 2, name: 'everyone'};
      const hold = {id: 1, caseId: 'SALES', groups: ['Sales'], reason: 'r', placedAt: 0, placedBy: 't', releasedAt: null, releasedBy: null, releaseReason: null};
      expect(planPrune(catalog.db, [everyone], [hold], now).plan).toMatchObject({messages: 3, expired: 2, held: 1});
    } finally {
      catalog.close();
    }
  });
});
