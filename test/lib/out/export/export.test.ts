/**
 * exportFolders on a real catalog and archive (the samples, see fixture.ts), each format read back with
 * an independent reader: Python's email parser and mailbox module (mbox, Maildir), GNU tar and zstd, and
 * sha256sum. Every message must come back with the archive's exact bytes, its flags and its internal date.
 */
import {mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {exportFolders, type ExportSummary} from '../../../../src/lib/out/export/export.js';
import type {ExportFormat} from '../../../../src/lib/out/export/layout.js';
import type {Manifest} from '../../../../src/lib/out/export/manifest.js';
import {selectTargets, type RestoreSelector} from '../../../../src/lib/out/restore/targets.js';
import {thrownBonnieError} from '../../../helpers/catalog.js';
import {archivedHashes, buildSampleArchive, python, sh, type SampleArchive} from './fixture.js';

let samples: SampleArchive;
let catalog: Catalog;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'bonnie-export-'));
  samples = await buildSampleArchive(work);
  catalog = openCatalog(samples.catalog, {readOnly: true});
});

afterAll(() => {
  catalog?.close();
  if (work !== undefined) rmSync(work, {recursive: true, force: true});
});

/** What alice's folders hold now, by export path: UIDs. */
const ALICE_NOW = {INBOX: [3, 5, 6], Archive: [1, 2, 3], Job: [1, 2], Old: []};
/** Maildir's letters, written out independently of the code under test. */
const LETTER: Record<string, string> = {'\\draft': 'D', '\\flagged': 'F', '$forwarded': 'P', '\\answered': 'R', '\\seen': 'S', '\\deleted': 'T'};
const letters = (flags: string[]) => [...new Set(flags.map((f) => LETTER[f.toLowerCase()] ?? ''))].sort().join('');

let outs = 0;
async function exportTo(format: ExportFormat, selector: RestoreSelector, at = Date.now(), archiveDir = samples.archive): Promise<{out: string; summary: ExportSummary}> {
  const out = join(work, `out-${++outs}${format === 'tar.zst' ? '.tar.zst' : ''}`);
  const summary = await exportFolders(catalog, selectTargets(catalog.db, selector, at), {archiveDir, format, out, selector, at, bonnieVersion: '0.0.0-test'});
  return {out, summary};
}
const readManifest = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
const byFolder = (manifest: Manifest) => Object.fromEntries(manifest.folders.map((f) => [f.path.replace(/\.mbox$/, ''), manifest.messages.filter((m) => m.mailboxId === f.mailboxId)]));

/** Every message of the manifest has the bytes the archive holds for its folder and UID. */
function expectArchiveBytes(manifest: Manifest): void {
  for (const folder of manifest.folders) {
    const archived = archivedHashes(samples.catalog, folder.name);
    for (const m of manifest.messages.filter((x) => x.mailboxId === folder.mailboxId)) expect(m.sha256, `${folder.name}:${m.uid}`).toBe(archived.get(m.uid));
  }
}

describe('bonnie export, each format read back independently', () => {
  it('eml: one file per message, parsed by Python\'s email package, dated with the internal date', async () => {
    const {out, summary} = await exportTo('eml', {kind: 'user', login: 'alice'});
    expect(summary).toMatchObject({format: 'eml', messages: 8, exported: 8, missing: 0});
    const manifest = readManifest(out);
    expect(Object.fromEntries(Object.entries(byFolder(manifest)).map(([path, ms]) => [path, ms.map((m) => m.uid)]))).toEqual(ALICE_NOW);
    expectArchiveBytes(manifest);
    const parsed = python<Record<string, {sha256: string; messageId: string; mtime: number}>>(
      `
import email, email.policy, hashlib, json, os, sys
root = sys.argv[1]; out = {}
for folder, _, files in os.walk(root):
    for name in files:
        if not name.endswith('.eml'): continue
        path = os.path.join(folder, name)
        raw = open(path, 'rb').read()
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        out[os.path.relpath(path, root)] = {'sha256': hashlib.sha256(raw).hexdigest(), 'messageId': str(msg['message-id']), 'mtime': os.stat(path).st_mtime}
print(json.dumps(out))
`,
      out,
    );
    expect(Object.keys(parsed).sort()).toEqual(manifest.messages.map((m) => m.path).sort());
    for (const m of manifest.messages) {
      expect(parsed[m.path]).toEqual({sha256: m.sha256, messageId: expect.stringMatching(/^<.+@example\.org>$/), mtime: Date.parse(m.internalDate) / 1000});
    }
    expect(sh('sha256sum', ['-c', '--strict', 'SHA256SUMS'], out)).toContain('manifest.json: OK');
    // One message per line, and JSON to any reader.
    expect(python<number>('import json, sys; print(len(json.load(open(sys.argv[1]))["messages"]))', join(out, 'manifest.json'))).toBe(8);
    expect(readFileSync(join(out, 'manifest.json'), 'utf8')).toContain('\n    {"folder":"user.alice","mailboxId":"76yzkoa5vpplgcimbgeofaee","uid":3,');
    expect(statSync(join(out, 'INBOX', '3.eml')).mode & 0o777).toBe(0o640);
    expect(statSync(join(out, 'INBOX')).mode & 0o777).toBe(0o750);
    expect(readdirSync(join(out, 'Old'))).toEqual([]);
  });

  it('mbox: one mboxrd file per folder, split by Python\'s mailbox.mbox into the archive\'s exact messages', async () => {
    const {out, summary} = await exportTo('mbox', {kind: 'user', login: 'alice'});
    expect(summary.folders.map((f) => f.path)).toEqual(['INBOX.mbox', 'Archive.mbox', 'Job.mbox', 'Old.mbox']);
    const manifest = readManifest(out);
    const folders = Object.entries(byFolder(manifest));
    const boxes = python<Array<Array<{from: string; sha256: string}>>>(
      `
import hashlib, json, mailbox, re, sys
def read(path):
    box = mailbox.mbox(path, create=False)
    return [{'from': box.get_message(k).get_from(), 'sha256': hashlib.sha256(re.sub(rb'(?m)^>(>*From )', rb'\\1', box.get_bytes(k))).hexdigest()} for k in box.keys()]
print(json.dumps([read(path) for path in sys.argv[1:]]))
`,
      ...folders.map(([path]) => join(out, `${path}.mbox`)),
    );
    for (const [i, [path, messages]] of folders.entries()) {
      const read = boxes[i] as Array<{from: string; sha256: string}>;
      expect(read.map((m) => m.sha256)).toEqual(messages.map((m) => m.sha256));
      expect(read.map((m) => m.from)).toEqual(messages.map(() => expect.stringMatching(/^carol@example\.org \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d 2026$/)));
      expect(messages.every((m) => m.path === `${path}.mbox`)).toBe(true);
    }
    expectArchiveBytes(manifest);
    const raw = readFileSync(join(out, 'INBOX.mbox'), 'latin1');
    expect(raw).not.toMatch(/^(X-)?Status:/m);
    expect(sh('sha256sum', ['-c', '--strict', 'SHA256SUMS'], out).trim().split('\n')).toHaveLength(5);
  });

  it('maildir: cur/ files whose names carry the flags, read by Python\'s mailbox.Maildir', async () => {
    const {out} = await exportTo('maildir', {kind: 'user', login: 'alice'});
    const manifest = readManifest(out);
    const folders = Object.entries(byFolder(manifest));
    const maildirs = python<Array<Record<string, {flags: string; subdir: string; sha256: string; date: number}>>>(
      `
import hashlib, json, mailbox, sys
def read(path):
    md = mailbox.Maildir(path, factory=None, create=False)
    return {k: {'flags': md.get_message(k).get_flags(), 'subdir': md.get_message(k).get_subdir(), 'sha256': hashlib.sha256(md.get_bytes(k)).hexdigest(), 'date': md.get_message(k).get_date()} for k in md.keys()}
print(json.dumps([read(path) for path in sys.argv[1:]]))
`,
      ...folders.map(([path]) => join(out, path)),
    );
    for (const [i, [path, messages]] of folders.entries()) {
      const read = maildirs[i] as Record<string, {flags: string; subdir: string; sha256: string; date: number}>;
      expect(Object.keys(read)).toHaveLength(messages.length);
      for (const m of messages) {
        const key = `${Math.floor(Date.parse(m.internalDate) / 1000)}.${m.uid}_bonnie.${m.path.split('_bonnie.')[1]?.split(':')[0]}`;
        expect(read[key]).toEqual({flags: letters(m.flags), subdir: 'cur', sha256: m.sha256, date: Date.parse(m.internalDate) / 1000});
        expect(m.path).toBe(`${path}/cur/${key}:2,${letters(m.flags)}`);
      }
    }
    // alice's second message, answered and flagged, moved to Job as UID 1.
    expect(readdirSync(join(out, 'Job', 'cur')).find((name) => name.startsWith('1795348443.1_'))).toMatch(/:2,FRS$/);
    expect(readdirSync(join(out, 'Old'))).toEqual(['cur', 'new', 'tmp']);
    expectArchiveBytes(manifest);
    sh('sha256sum', ['-c', '--strict', 'SHA256SUMS'], out);
  });

  it('tar.zst: read by tar --zstd and by zstd -d | tar, one folder holding the eml layout, manifest and SHA256SUMS', async () => {
    const {out, summary} = await exportTo('tar.zst', {kind: 'user', login: 'alice'});
    const top = out.split('/').pop()?.replace(/\.tar\.zst$/, '') as string;
    expect(summary.manifest).toBe(`${top}/manifest.json`);
    expect(summary.sha256).toBe(sh('sha256sum', [out]).split(' ')[0]);
    expect(statSync(out).mode & 0o777).toBe(0o640);
    const listing = sh('tar', ['--zstd', '-tvf', out]).trim().split('\n');
    const names = listing.map((line) => line.split(/\s+/).pop());
    expect(names.slice(0, 2)).toEqual([`${top}/`, `${top}/INBOX/`]);
    expect(names.slice(-2)).toEqual([`${top}/manifest.json`, `${top}/SHA256SUMS`]);
    expect(listing.find((line) => line.endsWith(`${top}/INBOX/3.eml`))).toMatch(/^-rw-r----- .* 2026-11-22 11:54 /);
    expect(listing.find((line) => line.endsWith(`${top}/Old/`))).toMatch(/^drwxr-x--- /);

    const a = join(work, 'untar-a');
    const b = join(work, 'untar-b');
    sh('mkdir', [a, b]);
    sh('tar', ['--zstd', '-xf', out, '-C', a]);
    sh('sh', ['-c', 'zstd -dc "$1" | tar -x -C "$2"', 'sh', out, b]);
    for (const dir of [a, b]) expect(sh('sha256sum', ['-c', '--strict', 'SHA256SUMS'], join(dir, top)).trim().split('\n')).toHaveLength(9);
    const manifest = readManifest(join(a, top));
    expect(manifest.messages.map((m) => m.path)).toContain('Job/1.eml');
    expectArchiveBytes(manifest);
  });

  it('writes the manifest: selector, instant, each folder\'s basis and each message\'s flags and date', async () => {
    const at = Date.now();
    const {out} = await exportTo('eml', {kind: 'mailbox', name: 'user.alice.Job'}, at);
    const manifest = readManifest(out);
    expect(manifest).toMatchObject({manifestVersion: 1, bonnieVersion: '0.0.0-test', at: new Date(at).toISOString(), selector: {kind: 'mailbox', name: 'user.alice.Job'}, format: 'eml', missing: []});
    expect(manifest.folders).toEqual([
      {
        name: 'user.alice.Job',
        mailboxId: '8noufdk8233tibe0dudubmdt',
        uidValidity: 1795348441,
        path: 'Job',
        existed: true,
        basis: {snapshotId: expect.any(Number), snapshotAt: expect.stringMatching(/Z$/), placementsApplied: 0},
        limits: [],
        messages: 2,
        exported: 2,
        missing: 0,
      },
    ]);
    expect(manifest.messages[0]).toEqual({
      folder: 'user.alice.Job',
      mailboxId: '8noufdk8233tibe0dudubmdt',
      uid: 1,
      flags: ['\\Answered', '\\Flagged', '\\Seen', '$Important', 'Work'],
      internalDate: '2026-11-22T11:54:03.000Z',
      internalDateFrom: 'snapshot',
      size: 303,
      sha256: archivedHashes(samples.catalog, 'user.alice.Job').get(1),
      path: 'Job/1.eml',
    });
  });
});

describe('--at, missing bytes and refusals', () => {
  it('exports the folder as it was before alice moved and expunged her messages', async () => {
    const {out, summary} = await exportTo('maildir', {kind: 'mailbox', name: 'user.alice'}, Date.parse('2026-11-22T11:54:11Z'));
    const manifest = readManifest(out);
    expect(manifest.messages.map((m) => [m.uid, letters(m.flags)])).toEqual([
      [1, 'FS'],
      [2, 'FRS'],
      [3, 'D'],
      [4, 'FST'],
    ]);
    expect(summary.folders[0]?.limits.join(' ')).toMatch(/before the folder's first snapshot/);
    expect(readdirSync(join(out, 'INBOX', 'cur')).sort()).toEqual(['1795348443.1', '1795348443.2', '1795348444.3', '1795348444.4'].map((n, i) => expect.stringMatching(new RegExp(`^${n}_bonnie\\..*:2,${['FS', 'FRS', 'D', 'FST'][i]}$`))));
    expectArchiveBytes(manifest);
    // Now: 1 and 4 expunged, 2 moved, 5 and 6 delivered.
    const now = readManifest((await exportTo('eml', {kind: 'mailbox', name: 'user.alice'})).out);
    expect(now.messages.map((m) => m.uid)).toEqual([3, 5, 6]);
  });

  it('lists every message whose bytes the archive lacks, with the reason, and still completes', async () => {
    const {out, summary} = await exportTo('eml', {kind: 'mailbox', name: 'user.alice.Archive'}, Date.now(), join(work, 'no-archive-here'));
    expect(summary).toMatchObject({messages: 3, exported: 0, missing: 3});
    expect(summary.folders[0]?.missing).toEqual([1, 2, 3].map((uid) => ({uid, reason: expect.stringMatching(/^SegmentMissing: segment .* is missing/)})));
    const manifest = readManifest(out);
    expect(manifest.messages).toEqual([]);
    expect(manifest.missing.map((m) => [m.uid, m.sha256])).toEqual([...archivedHashes(samples.catalog, 'user.alice.Archive')].sort(([x], [y]) => x - y));
    expect(readdirSync(join(out, 'Archive'))).toEqual([]);
  });

  it('refuses an --out that is not empty, or a tar.zst that exists, and writes nothing', async () => {
    const dir = join(work, 'occupied');
    sh('mkdir', [dir]);
    writeFileSync(join(dir, 'evidence.txt'), 'keep me');
    const selector: RestoreSelector = {kind: 'user', login: 'alice'};
    const targets = selectTargets(catalog.db, selector, Date.now());
    const options = {archiveDir: samples.archive, selector, at: Date.now(), bonnieVersion: '0'};
    await expect(exportFolders(catalog, targets, {...options, format: 'maildir', out: dir})).rejects.toMatchObject({code: 'ExportOutExists', exit: 2});
    await expect(exportFolders(catalog, targets, {...options, format: 'eml', out: join(dir, 'evidence.txt')})).rejects.toMatchObject({code: 'ExportOutExists'});
    await expect(exportFolders(catalog, targets, {...options, format: 'tar.zst', out: join(dir, 'evidence.txt')})).rejects.toMatchObject({code: 'ExportOutExists'});
    await expect(exportFolders(catalog, targets, {...options, format: 'tar.zst', out: join(dir, 'nowhere', 'x.tar.zst')})).rejects.toMatchObject({code: 'ExportOutInvalid'});
    await expect(exportFolders(catalog, targets, {...options, format: 'eml', out: join(dir, 'nowhere', 'x')})).rejects.toMatchObject({code: 'ExportOutInvalid', exit: 2});
    // Where mkdir answers ENOENT under an existing folder (Node's recursive mkdir loops forever there).
    await expect(exportFolders(catalog, targets, {...options, format: 'maildir', out: '/proc/bonnie-export-test'})).rejects.toMatchObject({code: 'ExportOutInvalid'});
    expect(readdirSync(dir)).toEqual(['evidence.txt']);
    expect(readFileSync(join(dir, 'evidence.txt'), 'utf8')).toBe('keep me');
    expect(thrownBonnieError(() => selectTargets(catalog.db, {kind: 'mailbox', name: 'user.alice.Nope'}, Date.now())).code).toBe('FolderUnknown');
  });
});
