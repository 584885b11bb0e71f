import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {checkPartitions, findMailboxDir, listMailboxDirs, mailboxDir, messagePath} from '../../../../src/lib/sources/cyrus/partition.js';
import {thrownBonnieError} from '../../../helpers/catalog.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {writeMailbox} from './cyrus-spool.js';

const tempDir = useTempDirs();
const INBOX = '76yzkoa5vpplgcimbgeofaee';
const SENT = '8ebtmyxwubx2tgm3yxhzqbcl';
const BOB = 'cu0g4lc9qdp3vrer52mfw1h9';

/** Two partitions: alice's INBOX and Sent on the default one, bob's INBOX on a second disk. */
function twoPartitions(): {main: string; second: string} {
  const dir = tempDir();
  const main = join(dir, 'mail');
  const second = join(dir, 'mail2');
  writeMailbox(main, {mailboxId: INBOX, name: 'user.alice', uidValidity: 1, messages: [{uid: 1, bytes: Buffer.from('a')}]});
  writeMailbox(main, {mailboxId: SENT, name: 'user.alice.Sent', uidValidity: 2, messages: []});
  writeMailbox(second, {mailboxId: BOB, name: 'user.bob', uidValidity: 3, messages: []});
  return {main, second};
}

describe('partitions', () => {
  it("lays a folder out by its mailbox id, and a message as '<UID>.'", () => {
    expect(mailboxDir('/var/spool/cyrus/mail', INBOX)).toBe(`/var/spool/cyrus/mail/uuid/7/6/${INBOX}`);
    expect(messagePath('/var/spool/cyrus/mail', INBOX, 42)).toBe(`/var/spool/cyrus/mail/uuid/7/6/${INBOX}/42.`);
  });

  it('lists the folders of every partition root', () => {
    const {main, second} = twoPartitions();
    expect(listMailboxDirs([main, second])).toEqual(
      expect.arrayContaining([
        {mailboxId: INBOX, root: main, dir: mailboxDir(main, INBOX)},
        {mailboxId: SENT, root: main, dir: mailboxDir(main, SENT)},
        {mailboxId: BOB, root: second, dir: mailboxDir(second, BOB)},
      ]),
    );
    expect(listMailboxDirs([main, second])).toHaveLength(3);
  });

  it('skips what is not a folder: no cyrus.header, stray files in the tree', () => {
    const {main} = twoPartitions();
    mkdirSync(join(main, 'uuid', 'z', 'z', 'zzzzzzzzzzzzzzzzzzzzzzzz'), {recursive: true}); // being created: no header yet
    writeFileSync(join(main, 'uuid', '7', 'stray'), '');
    expect(listMailboxDirs([main]).map((m) => m.mailboxId).sort()).toEqual([INBOX, SENT]);
  });

  it('finds which root holds a folder', () => {
    const {main, second} = twoPartitions();
    expect(findMailboxDir([main, second], BOB)).toBe(mailboxDir(second, BOB));
    expect(findMailboxDir([main, second], INBOX)).toBe(mailboxDir(main, INBOX));
    expect(findMailboxDir([main, second], 'nnnnnnnnnnnnnnnnnnnnnnnn')).toBeUndefined();
  });

  it('accepts partition roots that have the uuid folder', () => {
    const {main, second} = twoPartitions();
    expect(() => checkPartitions([main, second])).not.toThrow();
  });

  it('refuses a root without the uuid folder with SpoolNotFound and the hint naming the settings', () => {
    const {main} = twoPartitions();
    const wrong = join(tempDir(), 'cyrus'); // e.g. /var/spool/cyrus instead of /var/spool/cyrus/mail
    mkdirSync(join(wrong, 'mail'), {recursive: true});
    const error = thrownBonnieError(() => checkPartitions([main, wrong]));
    expect(error.code).toBe('SpoolNotFound');
    expect(error.message).toBe(`${wrong} is not a Cyrus partition: it has no "uuid" folder`);
    expect(error.hint).toMatch(/partition-default/);
    expect(error.hint).toMatch(/partitions/);
    expect(thrownBonnieError(() => checkPartitions([join(wrong, 'missing')])).code).toBe('SpoolNotFound');
  });
});
