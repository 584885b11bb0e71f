/**
 * A small site on disk as Cyrus 3.6 lays it out, in two partitions, for the spool source and `bonnie
 * archive` tests:
 *
 * | folder (admin form)                | partition | UIDs                                                    |
 * | ---------------------------------- | --------- | ------------------------------------------------------- |
 * | user.alice                         | main      | 1 \Seen, 2 \Flagged custom1, 3 expunged (file kept)     |
 * | user.alice.Sent                    | main      | 1: a copy of alice's 1                                  |
 * | user.bob                           | main      | 1: the same message as alice's 2, 2                     |
 * | DELETED.user.alice.Old.5F1234AB    | main      | 1 (a folder alice deleted, awaiting cleanup)            |
 * | user.dave@example.com              | second    | 1 (virtual domain: internal name example.com!user.dave) |
 *
 * 8 messages, 6 distinct.
 */
import {join} from 'node:path';
import {makeMail} from '../../store/archive/mail.js';
import {writeMailbox, type SpoolFolder} from '../../sources/cyrus/cyrus-spool.js';

export const ALICE = 'a11ce0000000000000000001';
export const SENT = 'a11ce0000000000000000002';
export const BOB = 'b0b000000000000000000001';
export const OLD = 'a11ce0000000000000000003';
export const DAVE = 'd4ve00000000000000000001';

/** The fixture's messages, by seed: small, realistic, deterministic. */
export const MAIL = {
  a1: makeMail('a1', 4000),
  a2: makeMail('a2', 6000),
  a3: makeMail('a3', 3000),
  b2: makeMail('b2', 5000, 'binary'),
  o1: makeMail('o1', 2000),
  d1: makeMail('d1', 2500),
} as const;

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 1, 8, 30, 0);

export const FOLDERS: {main: SpoolFolder[]; second: SpoolFolder[]} = {
  main: [
    {
      mailboxId: ALICE,
      name: 'user.alice',
      uidValidity: 1795348438,
      messages: [
        {uid: 1, bytes: MAIL.a1, flags: ['\\Seen'], internalDate: T0, modseq: 3},
        {uid: 2, bytes: MAIL.a2, flags: ['\\Flagged', 'custom1'], internalDate: T0 + DAY, modseq: 4},
        {uid: 3, bytes: MAIL.a3, flags: ['\\Deleted', '\\Seen'], internalDate: T0 + 2 * DAY, modseq: 6, expunged: true},
      ],
    },
    {mailboxId: SENT, name: 'user.alice.Sent', uidValidity: 1795348439, messages: [{uid: 1, bytes: MAIL.a1, flags: ['\\Seen'], internalDate: T0 + 3 * DAY}]},
    {
      mailboxId: BOB,
      name: 'user.bob',
      uidValidity: 1795348440,
      messages: [
        {uid: 1, bytes: MAIL.a2, internalDate: T0 + DAY},
        {uid: 2, bytes: MAIL.b2, flags: ['$Label2'], internalDate: T0 + 4 * DAY},
      ],
    },
    {mailboxId: OLD, name: 'DELETED.user.alice.Old.5F1234AB', uidValidity: 1595000000, acl: {alice: 'lrswipkxtecdan'}, messages: [{uid: 1, bytes: MAIL.o1, internalDate: T0 - 300 * DAY}]},
  ],
  second: [
    {mailboxId: DAVE, name: 'example.com!user.dave', uidValidity: 1795348500, acl: {'dave@example.com': 'lrswipkxtecdan'}, messages: [{uid: 1, bytes: MAIL.d1, internalDate: T0 + 5 * DAY}]},
  ],
};

export interface Site {
  /** partition-default. */
  main: string;
  /** A second partition (partition-second). */
  second: string;
  roots: string[];
  /** The folder's directory. */
  dir(mailboxId: string): string;
}

/** Writes the fixture under `dir`. */
export function writeSite(dir: string): Site {
  const main = join(dir, 'spool', 'mail');
  const second = join(dir, 'spool2', 'mail');
  const dirs = new Map<string, string>();
  for (const f of FOLDERS.main) dirs.set(f.mailboxId, writeMailbox(main, f));
  for (const f of FOLDERS.second) dirs.set(f.mailboxId, writeMailbox(second, f));
  return {main, second, roots: [main, second], dir: (id) => dirs.get(id) ?? join(main, 'nowhere')};
}

/** The fixture's folder with this mailbox id, for rewriting it (new flags, new messages). */
export function folder(mailboxId: string): SpoolFolder {
  const found = [...FOLDERS.main, ...FOLDERS.second].find((f) => f.mailboxId === mailboxId);
  if (found === undefined) throw new Error(`no fixture folder ${mailboxId}`);
  return {...found, messages: found.messages.map((m) => ({...m, flags: [...(m.flags ?? [])]}))};
}
