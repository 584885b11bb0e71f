import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {readMailboxHeader} from '../../../../src/lib/sources/cyrus/header-file.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {writeMailbox} from './cyrus-spool.js';

const tempDir = useTempDirs();

const MAGIC = '\u00a1\u0002\u008b\rCyrus mailbox header\n"The best thing about this system was that it had lots of goals."\n\t--Jim Morris on Andrew\n';

/** alice's INBOX header as Cyrus 3.6 wrote it (two user flags set in the folder), latin1 bytes. */
const CYRUS_36_HEADER = Buffer.from(`${MAGIC}%(T e N user.alice I ttgmduef4pb10l8j0alg1c57 A %(alice lrswipkxtecdan) U (custom1 $Label2))\n`, 'latin1');

function headerFile(bytes: Buffer | string): string {
  const path = join(tempDir(), 'cyrus.header');
  writeFileSync(path, typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  return path;
}

describe('readMailboxHeader', () => {
  it("reads a header Cyrus 3.6 wrote: name, unique id, user flags in bit order, ACL", () => {
    expect(readMailboxHeader(headerFile(CYRUS_36_HEADER))).toEqual({
      name: 'user.alice',
      uniqueId: 'ttgmduef4pb10l8j0alg1c57',
      userFlags: ['custom1', '$Label2'],
      acl: {alice: 'lrswipkxtecdan'},
    });
  });

  it('round-trips what the spool writer lays out, quoted names and UTF-8 included', () => {
    const root = tempDir();
    const dir = writeMailbox(root, {
      mailboxId: 'q1w2e3r4t5y6u7i8o9p0a1s2',
      name: 'user.alice.Old Stuff.Ablagé',
      uidValidity: 1795348438,
      acl: {alice: 'lrswipkxtecdan', 'group:staff': 'lr', anyone: 'p'},
      messages: [
        {uid: 1, flags: ['\\Seen', 'custom1']},
        {uid: 2, flags: ['$Label2', 'custom1', 'Needs "review"']},
      ],
    });
    expect(readMailboxHeader(join(dir, 'cyrus.header'))).toEqual({
      name: 'user.alice.Old Stuff.Ablagé',
      uniqueId: 'q1w2e3r4t5y6u7i8o9p0a1s2',
      userFlags: ['custom1', '$Label2', 'Needs "review"'],
      acl: {alice: 'lrswipkxtecdan', 'group:staff': 'lr', anyone: 'p'},
    });
  });

  it('reads a virtual-domain folder under its internal name', () => {
    const dir = writeMailbox(tempDir(), {mailboxId: 'd4v3d4v3d4v3d4v3d4v3d4v3', name: 'example.com!user.dave', uidValidity: 7, acl: {'dave@example.com': 'lrswipkxtecdan'}, messages: []});
    expect(readMailboxHeader(join(dir, 'cyrus.header'))).toMatchObject({name: 'example.com!user.dave', userFlags: [], acl: {'dave@example.com': 'lrswipkxtecdan'}});
  });

  it('refuses a file without the magic text, naming the file', () => {
    const path = headerFile('%(N user.alice I ttgmduef4pb10l8j0alg1c57)\n');
    expect(() => readMailboxHeader(path)).toThrow(`${path}: not a Cyrus mailbox header (the magic text is missing)`);
    const truncated = headerFile(MAGIC.slice(0, 20));
    expect(() => readMailboxHeader(truncated)).toThrow(`${truncated}: not a Cyrus mailbox header`);
  });

  it('refuses a header that is not a dlist (Cyrus 2.x wrote tab-separated lines), naming the file and the offset', () => {
    const path = headerFile(`${MAGIC}user.alice\tttgmduef4pb10l8j0alg1c57\ncustom1 $Label2 \nalice\tlrswipkxtecdan\t\n`);
    expect(() => readMailboxHeader(path)).toThrow(new RegExp(`^${path}: dlist: unexpected ".*" at offset ${MAGIC.length + 11} \\(a header older than Cyrus 3.0 is not supported\\)$`));
  });

  it('refuses a dlist that is not a key-value list, or lacks the name or the unique id', () => {
    const list = headerFile(`${MAGIC}(user.alice ttgmduef4pb10l8j0alg1c57)\n`);
    expect(() => readMailboxHeader(list)).toThrow(`${list}: the header is not a key-value list`);
    const noId = headerFile(`${MAGIC}%(T e N user.alice A %(alice lrswipkxtecdan))\n`);
    expect(() => readMailboxHeader(noId)).toThrow(`${noId}: the header has no name (N) or unique id (I)`);
  });
});
