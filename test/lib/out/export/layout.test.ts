/**
 * Where folders and messages go in an export: names a user recognises, nothing that leaves --out or
 * collides with what the format writes, Maildir names with their flag letters, and checksum lines that
 * sha256sum reads.
 */
import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {folderPaths, safeSegment, type ExportFormat} from '../../../../src/lib/out/export/layout.js';
import {maildirFileName, maildirHost, maildirInfo} from '../../../../src/lib/out/export/maildir.js';
import {checksumFile, sha256Hex} from '../../../../src/lib/out/export/writer.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {sh} from './fixture.js';

const tempDir = useTempDirs();

const pathsOf = (names: string[], format: ExportFormat = 'eml') => [...folderPaths(names.map((name, i) => ({name, mailboxId: `id${i}`})), format).values()];

describe('folder paths', () => {
  it('names a user\'s folders as mail clients show them', () => {
    expect(pathsOf(['user.alice', 'user.alice.Sent', 'user.alice.Projects.2026', 'user.alice.Sent@example.com', 'user/bob/Drafts', 'user.jane^doe.Notes'])).toEqual([
      'INBOX',
      'Sent',
      'Projects/2026',
      // Another Sent (a virtual domain's user): told apart by its mailboxID.
      'Sent~id3',
      'Drafts',
      'Notes',
    ]);
    expect(pathsOf(['DELETED.user.alice.Old.5F1234AB'])).toEqual(['Old']);
    expect(pathsOf(['shared.Sales.2026'])).toEqual(['shared/Sales/2026']);
  });

  it('never leaves --out: "..", "/", "\\", NUL and control characters are escaped, "%" too', () => {
    expect(pathsOf(['user/alice/..', 'user/alice/.', 'user.alice.a\\b', 'user.alice.nul\u0000x', 'user.alice.tab\tx', 'user.alice.100%'])).toEqual([
      '%2E.',
      '%2E',
      'a%5Cb',
      'nul%00x',
      'tab%09x',
      '100%25',
    ]);
    // "/" in a folder's name (Cyrus allows it when "." separates) stays in one segment, escaped; under
    // unixhierarchysep "/" separates and a "." is part of a name.
    expect(pathsOf(['user.alice.a/b', 'user.alice.a/b.c', 'user/alice/a.b', 'shared.Sales/2026'])).toEqual(['a%2Fb', 'a%2Fb/c', 'a.b', 'shared/Sales%2F2026']);
    expect(safeSegment('a/b', 'eml', false)).toBe('a%2Fb');
    expect(safeSegment('', 'eml', false)).toBe('%');
    expect(safeSegment('ünïcode ok', 'eml', false)).toBe('ünïcode ok');
  });

  it('escapes names that would collide with what the format writes beside them', () => {
    expect(pathsOf(['user.alice.Projects', 'user.alice.Projects.cur', 'user.alice.Projects.new'], 'maildir')).toEqual(['Projects', 'Projects/%63ur', 'Projects/%6Eew']);
    expect(pathsOf(['user.alice.Projects.cur'], 'eml')).toEqual(['Projects/cur']);
    expect(pathsOf(['user.alice.Projects.12^eml'], 'eml')).toEqual(['Projects/%312.eml']);
    expect(pathsOf(['user.alice.Projects.12^eml'], 'tar.zst')).toEqual(['Projects/%312.eml']);
    expect(pathsOf(['user.alice.X^mbox.Child'], 'mbox')).toEqual(['%58.mbox/Child']);
    expect(pathsOf(['user.alice.manifest^json', 'user.alice.SHA256SUMS', 'user.alice.Projects.SHA256SUMS'], 'mbox')).toEqual(['%6Danifest.json', '%53HA256SUMS', 'Projects/SHA256SUMS']);
  });

  it('tells apart folders that differ only in case', () => {
    expect(pathsOf(['user.alice.Work', 'user.alice.work'])).toEqual(['Work', 'work~id1']);
  });
});

describe('Maildir names', () => {
  it('puts the flags\' info letters in ASCII order, ignoring case, keywords and \\Recent', () => {
    expect(maildirInfo(['\\Seen', '\\Answered', '\\Flagged', '\\Draft', '\\Deleted', '$Forwarded'])).toBe('DFPRST');
    expect(maildirInfo(['\\seen', '\\SEEN', '\\Recent', '$Important', 'Work', 'Junk'])).toBe('S');
    expect(maildirInfo([])).toBe('');
  });

  it('names a message <internal date s>.<uid>_bonnie.<host>:2,<letters>', () => {
    expect(maildirFileName(42, 1795348443999, ['\\Seen', '\\Flagged'], 'mail.example.org')).toBe('1795348443.42_bonnie.mail.example.org:2,FS');
    expect(maildirHost('odd/host:name')).toBe('odd\\057host\\072name');
  });
});

describe('SHA256SUMS', () => {
  it('is read by sha256sum -c, also for names with a backslash or a line break', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'INBOX'));
    const names = ['INBOX/1.eml', 'odd\\057host:2,S', 'line\nbreak', 'with space'];
    const entries = names.map((name, i) => {
      const bytes = Buffer.from(`message ${i}\r\n`);
      writeFileSync(join(dir, name), bytes);
      return {path: name, sha256: sha256Hex(bytes)};
    });
    writeFileSync(join(dir, 'SHA256SUMS'), checksumFile(entries));
    expect(sh('sha256sum', ['-c', '--strict', 'SHA256SUMS'], dir).trim().split('\n')).toHaveLength(names.length);
  });
});
