/**
 * Archive format 3 as an administrator sees it (the built CLI, issue 19 item 3): two users' mail forwards
 * the same 600 kB attachment in two different messages; `bonnie archive` stores the attachment once
 * (`bonnie status`: stored bytes), `bonnie export` gives back both messages byte for byte, and `bonnie verify
 * --read-data` reassembles and re-hashes them.
 */
import {randomBytes} from 'node:crypto';
import {readFileSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {bonnie} from '../helpers/run.js';
import {useTempDirs} from '../helpers/tmp.js';
import {writeMailbox} from '../lib/sources/cyrus/cyrus-spool.js';

const tempDir = useTempDirs();
const ATTACHMENT = randomBytes(600_000);

/** A message that carries the attachment, with its own headers, text and boundary. */
function forward(from: string, to: string, subject: string): Buffer {
  const b64 = (ATTACHMENT.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
  return Buffer.from(
    [
      `From: ${from}@example.org`,
      `To: ${to}@example.org`,
      `Subject: ${subject}`,
      `Date: Tue, 3 Mar 2026 10:00:00 +0100`,
      `Message-ID: <${subject.replace(/\W/g, '')}@example.org>`,
      `MIME-Version: 1.0`,
      `Content-Type: multipart/mixed; boundary="=_${subject.length}"`,
      ``,
      `--=_${subject.length}`,
      `Content-Type: text/plain; charset=utf-8`,
      ``,
      `${subject}: the scan you asked for.`,
      `--=_${subject.length}`,
      `Content-Type: application/pdf; name="scan.pdf"`,
      `Content-Disposition: attachment; filename="scan.pdf"`,
      `Content-Transfer-Encoding: base64`,
      ``,
      b64,
      `--=_${subject.length}--`,
      ``,
    ].join('\r\n'),
  );
}

describe('messages split at MIME part boundaries (archive format 3)', () => {
  it('stores an attachment two messages carry once; export gives both back byte for byte; verify --read-data is clean', async () => {
    const dir = tempDir();
    const spool = join(dir, 'spool', 'mail');
    const first = forward('alice', 'bob', 'Scan');
    const second = forward('bob', 'carol', 'Fwd: Scan');
    const at = Date.UTC(2026, 2, 3, 9, 0, 0);
    writeMailbox(spool, {mailboxId: 'a11ce0000000000000000001', name: 'user.alice', uidValidity: 1795348438, messages: [{uid: 1, bytes: first, internalDate: at}]});
    writeMailbox(spool, {mailboxId: 'b0b000000000000000000001', name: 'user.bob', uidValidity: 1795348440, messages: [{uid: 1, bytes: second, internalDate: at + 60_000}]});
    const env = {BONNIE_CONFIG: '/dev/null', BONNIE_CATALOG: join(dir, 'catalog.db'), BONNIE_ARCHIVE: join(dir, 'archive')};
    const run = async (args: string[], code = 0) => {
      const ran = await bonnie([...args, '--json'], {env, cwd: dir});
      expect(ran.code, `bonnie ${args.join(' ')}: ${ran.stderr}${ran.stdout}`).toBe(code);
      return JSON.parse(ran.stdout) as Record<string, unknown>;
    };
    await run(['init']);
    expect(await run(['archive', '--all', '--spool', spool])).toMatchObject({read: 2, stored: 2});
    const status = (await run(['status'])) as {archive: {messages: number; originalBytes: number; storedBytes: number}};
    expect(status.archive.messages).toBe(2);
    // 2 x 800 kB of base64 received; the attachment (incompressible) stored once: ~800 kB, not 1.6 MB.
    expect(status.archive.storedBytes).toBeLessThan(ATTACHMENT.length * (4 / 3) + 50_000);
    expect(await run(['verify', '--read-data'])).toMatchObject({sound: true, archive: {blobs: 2}});
    for (const [user, original] of [['alice', first], ['bob', second]] as const) {
      await run(['export', '--mailbox', `user.${user}`, '--format', 'eml', '--out', join(dir, user)]);
      const files = readdirSync(join(dir, user), {recursive: true, withFileTypes: true}).filter((e) => e.isFile() && e.name.endsWith('.eml'));
      expect(files).toHaveLength(1);
      const file = files[0];
      expect(readFileSync(join(file?.parentPath ?? '', file?.name ?? '')).equals(original)).toBe(true);
    }
  });
});
