/** The built `bonnie archive` as a process, the way an administrator runs it on the IMAP host. */
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {bonnie} from '../../../helpers/run.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {BOB, MAIL, writeSite} from './spool-fixture.js';

const tempDir = useTempDirs();

describe('bonnie archive', () => {
  it('archives the spool and prints the summary, as JSON and for a person', async () => {
    const dir = tempDir();
    const site = writeSite(dir);
    const catalog = join(dir, 'catalog.db');
    const archive = join(dir, 'archive');
    const env = {BONNIE_CONFIG: '/dev/null', BONNIE_PARTITIONS: site.second};
    const args = ['--spool', site.main, '--catalog', catalog, '--archive', archive];
    expect((await bonnie(['init', '--catalog', catalog], {env})).code).toBe(0); // only init creates a catalog

    const json = await bonnie(['archive', '--user', 'alice', ...args, '--json'], {env});
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      source: 'spool',
      folders: 3,
      foldersUnchanged: 0,
      snapshots: 3,
      messages: 5,
      read: 5,
      stored: 4,
      alreadyStored: 1,
      alreadyArchived: 0,
      unrecoverable: 0,
      checksumMismatches: 0,
      bytesRead: MAIL.a1.length * 2 + MAIL.a2.length + MAIL.a3.length + MAIL.o1.length,
      bytesStored: expect.any(Number) as number,
      elapsedMs: expect.any(Number) as number,
      // The search index is brought up to date: alice's 5 places, 4 distinct messages.
      search: expect.objectContaining({locations: 5, docs: 4, problems: 0}) as unknown,
    });

    // bob's 2 no longer matches what Cyrus recorded for it.
    writeFileSync(join(site.dir(BOB), '2.'), Buffer.concat([MAIL.b2, Buffer.from('\r\n')]));
    const human = await bonnie(['archive', '--all', ...args], {env});
    expect(human.code, human.stderr).toBe(0);
    const lines = human.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('Archived 5 folder(s) from the spool: 2 snapshot(s) recorded, 3 unchanged since the last one.');
    expect(lines[1]).toBe('8 message(s): 3 read (2 stored, 1 already in the archive), 5 archived before, 0 unrecoverable.');
    // 3 messages: no rate ("N msg/s" over a handful of messages means nothing), the count and the time.
    expect(lines[2]).toMatch(/^Read \d+\.\d kB, stored \d+(\.\d)? k?B \(\d+\.\d% of what was read\), in (\d+ ms|\d+\.\d s)\.$/);
    expect(lines[3]).toBe("1 file(s) did not match Cyrus' checksum (see the warnings above).");
    expect(lines[4]).toMatch(/^Indexed 3 message\(s\) for search in \d+\.\d s\.$/);
    expect(lines).toHaveLength(5);
    expect(human.stderr.replace(/\s+/g, ' ')).toContain("user.bob UID 2: the file's SHA-1 differs from Cyrus' GUID");
  });

  it('refuses --from imap without imap_url: exit 3, the hint naming imap_url', async () => {
    const dir = tempDir();
    const ran = await bonnie(['archive', '--all', '--from', 'imap', '--catalog', join(dir, 'catalog.db'), '--archive', join(dir, 'archive'), '--json'], {env: {BONNIE_CONFIG: '/dev/null'}});
    expect(ran.code).toBe(3);
    const {error} = JSON.parse(ran.stdout) as {error: {code: string; message: string; hint: string}};
    expect(error.code).toBe('ImapNotConfigured');
    expect(error.message).toBe('--from imap needs imap_url');
    expect(error.hint).toMatch(/^Set imap_url /);
  });

  it('refuses a malformed --message: exit 2, saying what is expected', async () => {
    const dir = tempDir();
    const ran = await bonnie(['archive', '--message', 'x', '--spool', join(dir, 'spool'), '--catalog', join(dir, 'catalog.db'), '--archive', join(dir, 'archive')], {env: {BONNIE_CONFIG: '/dev/null'}});
    expect(ran.code).toBe(2);
    expect(ran.stderr).toBe('bonnie: --message x: expected <mailbox>:<uid>\nhint: For example --message user.alice:42 (the UID as IMAP and "bonnie history" show it).\n');
  });
});
