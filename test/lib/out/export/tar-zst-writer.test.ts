/**
 * The tar.zst writer on its own: members named a tar reader accepts (long and non-ASCII names through pax
 * headers), and what it leaves after a failure: its own incomplete file removed, anybody else's untouched.
 */
import {createHash} from 'node:crypto';
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {TarZstWriter, topFolderOf} from '../../../../src/lib/out/export/tar-zst-writer.js';
import type {MessageAt} from '../../../../src/lib/out/restore/state-at.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {sh} from './fixture.js';

const tempDir = useTempDirs();

const message = (uid: number, bytes: Buffer): MessageAt => ({uid, flags: [], internalDate: Date.UTC(2026, 10, 22), dateFrom: 'snapshot', size: bytes.length, sha256: createHash('sha256').update(bytes).digest(), message: undefined});

describe('TarZstWriter', () => {
  it('names the top folder after the file', () => {
    expect(topFolderOf('/srv/alice-2026.tar.zst')).toBe('alice-2026');
    expect(topFolderOf('x.tzst')).toBe('x');
    expect(topFolderOf('.tar.zst')).toBe('bonnie-export');
    expect(topFolderOf('plain')).toBe('plain');
  });

  it('writes folders whose names ustar cannot hold, and tar extracts them', async () => {
    const dir = tempDir();
    const file = join(dir, 'long.tar.zst');
    const writer = new TarZstWriter(file, new Date());
    const deep = `${'Projekte'.repeat(15)}/Überweisungen/${'x'.repeat(120)}`;
    const bytes = Buffer.from('Subject: deep\r\n\r\nbody\r\n');
    await writer.beginFolder(deep);
    expect(await writer.addMessage(deep, message(7, bytes), bytes)).toBe(`${deep}/7.eml`);
    await writer.endFolder(deep);
    const sha256 = await writer.close();
    expect(sha256).toBe(sh('sha256sum', [file]).split(' ')[0]);
    sh('tar', ['--zstd', '-xf', file, '-C', dir]);
    expect(readFileSync(join(dir, 'long', ...deep.split('/'), '7.eml')).equals(bytes)).toBe(true);
  });

  it('removes its own incomplete file after a failure', async () => {
    const file = join(tempDir(), 'partial.tar.zst');
    const writer = new TarZstWriter(file, new Date());
    const bytes = Buffer.from('Subject: x\r\n\r\n');
    await writer.beginFolder('INBOX');
    await writer.addMessage('INBOX', message(1, bytes), bytes);
    await writer.abort();
    expect(existsSync(file)).toBe(false);
  });

  it('never touches a file that appeared at its path', () => {
    const file = join(tempDir(), 'theirs.tar.zst');
    writeFileSync(file, 'not ours');
    expect(() => new TarZstWriter(file, new Date())).toThrow(expect.objectContaining({code: 'ExportOutExists'}));
    expect(readFileSync(file, 'utf8')).toBe('not ours');
  });
});
