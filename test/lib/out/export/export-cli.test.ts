/**
 * The built `bonnie export` as an administrator runs it, on the samples' catalog and archive: the --json
 * summary, the human report, --message with --at, and the errors (an --out that exists, an unknown
 * folder, bad flags) with their codes, exit statuses and hints.
 */
import {mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {ExportSummary} from '../../../../src/lib/out/export/export.js';
import type {Manifest} from '../../../../src/lib/out/export/manifest.js';
import {bonnie} from '../../../helpers/run.js';
import {buildSampleArchive, sh, type SampleArchive} from './fixture.js';

let samples: SampleArchive;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'bonnie-export-cli-'));
  samples = await buildSampleArchive(work);
});

afterAll(() => {
  if (work !== undefined) rmSync(work, {recursive: true, force: true});
});

const exportCli = (args: string[]) => bonnie(['export', ...args], {env: samples.env, cwd: work});

describe('bonnie export', () => {
  it('prints the summary as JSON, and the tar.zst checks out with sha256sum', async () => {
    const ran = await exportCli(['--user', 'alice', '--format', 'tar.zst', '--out', 'alice.tar.zst', '--json']);
    expect(ran.code, ran.stderr).toBe(0);
    const summary = JSON.parse(ran.stdout) as ExportSummary;
    expect(summary).toMatchObject({format: 'tar.zst', out: join(work, 'alice.tar.zst'), messages: 8, exported: 8, missing: 0, manifest: 'alice/manifest.json'});
    expect(summary.folders.map((f) => [f.name, f.path, f.exported])).toEqual([
      ['user.alice', 'INBOX', 3],
      ['user.alice.Archive', 'Archive', 3],
      ['user.alice.Job', 'Job', 2],
      ['user.alice.Old', 'Old', 0],
    ]);
    expect(`${summary.sha256}  alice.tar.zst\n`).toBe(sh('sha256sum', ['alice.tar.zst'], work));
    const manifest = JSON.parse(sh('tar', ['--zstd', '-xOf', 'alice.tar.zst', 'alice/manifest.json'], work)) as Manifest;
    expect(manifest).toMatchObject({bonnieVersion: expect.stringMatching(/^\d+\.\d+\.\d+/), selector: {kind: 'user', login: 'alice'}, format: 'tar.zst'});
  });

  it('reports each folder and how to check the export', async () => {
    const ran = await exportCli(['--mailbox', 'user.alice.Archive', '--format', 'mbox', '--out', 'archive-mbox']);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toContain('user.alice.Archive as at ');
    expect(ran.stdout).toContain(' -> Archive.mbox\n  3 message(s): 3 exported, 0 missing\n  based on the snapshot of ');
    expect(ran.stdout).toMatch(/Exported 3 of 3 message\(s\) \(.+\) from 1 folder\(s\) as mbox to .*archive-mbox in .* s; 0 missing\./);
    expect(ran.stdout).toContain('&& sha256sum -c SHA256SUMS');
    expect(readdirSync(join(work, 'archive-mbox')).sort()).toEqual(['Archive.mbox', 'SHA256SUMS', 'manifest.json']);
  });

  it('exports one message as it was at --at, with the flags it had then', async () => {
    // 11:54:08.5: appended \Flagged $Important, then +\Seen +\Answered +$Custom -\Seen ("bonnie history --message").
    const early = await exportCli(['--message', 'Mb505991248156e00f911ba8c', '--at', '2026-11-22T11:54:08.5Z', '--format', 'eml', '--out', 'msg-early', '--json']);
    expect(early.code, early.stderr).toBe(0);
    const then = JSON.parse(readFileSync(join(work, 'msg-early', 'manifest.json'), 'utf8')) as Manifest;
    expect(then.messages.map((m) => [m.folder, m.uid, m.flags, m.path])).toEqual([['user.alice', 2, ['\\Answered', '\\Flagged', '$Custom', '$Important'], 'INBOX/2.eml']]);

    const late = await exportCli(['--message', 'Mb505991248156e00f911ba8c', '--format', 'eml', '--out', 'msg-late', '--json']);
    const now = JSON.parse(readFileSync(join(work, 'msg-late', 'manifest.json'), 'utf8')) as Manifest;
    expect(late.code, late.stderr).toBe(0);
    expect(now.messages.map((m) => [m.folder, m.uid, m.flags, m.path])).toEqual([['user.alice.Job', 1, ['\\Answered', '\\Flagged', '\\Seen', '$Important', 'Work'], 'Job/1.eml']]);
    // The same bytes then and now.
    expect(now.messages[0]?.sha256).toBe(then.messages[0]?.sha256);
  });

  it('refuses an --out that is not empty (exit 2) and leaves it as it was', async () => {
    mkdirSync(join(work, 'taken'));
    writeFileSync(join(work, 'taken', 'x'), 'evidence');
    const json = await exportCli(['--user', 'alice', '--format', 'maildir', '--out', 'taken', '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({error: {code: 'ExportOutExists', message: `--out ${join(work, 'taken')} is a folder that is not empty`, hint: expect.stringContaining('never overwrites'), exit: 2}});
    const human = await exportCli(['--user', 'alice', '--format', 'tar.zst', '--out', 'taken/x']);
    expect(human.code).toBe(2);
    expect(human.stderr).toBe(`bonnie: --out ${join(work, 'taken', 'x')} exists\nhint: Give --out a new file name: an export never overwrites a file.\n`);
    expect(readdirSync(join(work, 'taken'))).toEqual(['x']);
    expect(readFileSync(join(work, 'taken', 'x'), 'utf8')).toBe('evidence');
  });

  it('names an unknown folder, and writes nothing', async () => {
    const ran = await exportCli(['--mailbox', 'user.alice.Nope', '--format', 'eml', '--out', 'nope']);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/^bonnie: no folder named user\.alice\.Nope in the record or the snapshots\nhint: /);
    expect(readdirSync(work)).not.toContain('nope');
  });

  it('rejects a bad --format, a missing --out and two selectors as usage errors', async () => {
    for (const args of [
      ['--user', 'alice', '--format', 'pst', '--out', 'x'],
      ['--user', 'alice', '--format', 'eml'],
      ['--user', 'alice', '--mailbox', 'user.alice', '--format', 'eml', '--out', 'x'],
    ]) {
      const ran = await exportCli(args);
      expect(ran.code, args.join(' ')).toBe(2);
    }
    expect(readdirSync(work)).not.toContain('x');
  });
});
