/**
 * `bonnie restore` without a server: the plan (--dry-run) is made offline from the samples' record and
 * archive; a real restore refuses with the hint naming the settings. (Restores into a real Cyrus are in
 * test/live/restore.test.ts.)
 */
import {beforeAll, describe, expect, it} from 'vitest';
import {buildSampleArchive, type SampleArchive} from '../export/fixture.js';
import {bonnie} from '../../../helpers/run.js';
import {useTempDirs} from '../../../helpers/tmp.js';

const tempDir = useTempDirs();
let samples: SampleArchive;
beforeAll(async () => {
  samples = await buildSampleArchive(tempDir());
});

describe('bonnie restore without imap_url', () => {
  it('plans a dry run offline: alice\'s Inbox as it was at 11:54:11 has UIDs 1 to 4', async () => {
    const ran = await bonnie(['restore', '--mailbox', 'user.alice', '--at', '2026-11-22T11:54:11Z', '--into', 'user.alice.Restored', '--dry-run', '--json'], {env: samples.env});
    expect(ran.code, ran.stderr).toBe(0);
    const plan = JSON.parse(ran.stdout) as {dryRun: boolean; offline: boolean; appended: number; missing: number; folders: Array<{source: string; destination: string; messages: number}>};
    expect(plan).toMatchObject({dryRun: true, offline: true, appended: 4, missing: 0});
    expect(plan.folders.map((f) => [f.source, f.destination, f.messages])).toEqual([['user.alice', 'user.alice.Restored', 4]]);

    const human = await bonnie(['restore', '--mailbox', 'user.alice', '--dry-run'], {env: samples.env});
    expect(human.stdout).toContain('Planned without the server (imap_url is not set)');
    expect(human.stdout).toMatch(/Dry run: nothing was changed\. Would append 3 message\(s\)/);
  });

  it('refuses a real restore, naming the settings it needs', async () => {
    const ran = await bonnie(['restore', '--mailbox', 'user.alice'], {env: samples.env});
    expect(ran.code).toBe(3);
    expect(ran.stderr).toContain('restoring into IMAP needs imap_url, imap_user and imap_password_file');
  });
});
