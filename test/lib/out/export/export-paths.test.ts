/**
 * Paths in `bonnie export`: a folder whose name holds a `/` (Cyrus allows it when `.` separates levels)
 * is exported with the user's other folders, as one escaped path segment; an --out that is a symbolic
 * link is refused, so that the export never lands where the link points.
 */
import {mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openCatalog} from '../../../../src/lib/base/catalog/catalog.js';
import {archiveSite, type Site} from '../../read/search/mail-fixture.js';

const mail = (subject: string) => Buffer.from(`From: bob@example.org\r\nTo: alice@example.org\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@example.org>\r\n\r\n${subject}\r\n`);

let dir: string;
let site: Site;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bonnie-export-paths-'));
  // Only `bonnie init` creates a catalog; archiveSite archives into this one.
  openCatalog(join(dir, 'catalog.db'), {create: true}).close();
  site = await archiveSite(dir, [
    {mailboxId: 'a11ce0000000000000000001', name: 'user.alice', uidValidity: 1, messages: [{uid: 1, bytes: mail('inbox')}]},
    {mailboxId: 'a11ce0000000000000000002', name: 'user.alice.Q1/Q2', uidValidity: 2, messages: [{uid: 1, bytes: mail('quarters')}]},
    {mailboxId: 'a11ce0000000000000000003', name: 'user.alice.Q1/Q2.Notes', uidValidity: 3, messages: [{uid: 4, bytes: mail('notes')}]},
  ]);
});
afterAll(() => rmSync(dir, {recursive: true, force: true}));

describe('bonnie export and paths', () => {
  it('exports a folder with "/" in its name under --user, as one segment', async () => {
    const out = join(dir, 'out-user');
    const ran = await site.run(['export', '--user', 'alice', '--format', 'eml', '--out', out]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['INBOX', 'Q1%2FQ2', 'SHA256SUMS', 'manifest.json']);
    expect(readFileSync(join(out, 'Q1%2FQ2', '1.eml'), 'latin1')).toContain('Subject: quarters');
    expect(readFileSync(join(out, 'Q1%2FQ2', 'Notes', '4.eml'), 'latin1')).toContain('Subject: notes');
  });

  it('refuses an --out that is a symbolic link to a folder, and writes nothing there', async () => {
    const target = join(dir, 'elsewhere');
    mkdirSync(target);
    const link = join(dir, 'out-link');
    symlinkSync(target, link);
    const ran = await site.run(['export', '--user', 'alice', '--format', 'eml', '--out', link, '--json']);
    expect(ran.code).toBe(2);
    expect(JSON.parse(ran.stdout)).toMatchObject({error: {code: 'ExportOutInvalid', message: `--out ${link} is a symbolic link`}});
    expect(readdirSync(target)).toEqual([]);
  });
});
