/**
 * `bonnie verify` as an administrator runs it, on the committed archive fixtures (test/fixtures/archive):
 * a sound archive, and one for each kind of damage, each found and reported with the messages it affects;
 * then --mark-broken, and `bonnie archive` storing the lost messages again from the spool. The archive format
 * 3 fixtures and the frozen format 1 ones (bonnie 0.1.0's, the compatibility case) alike; the `carried` case
 * (segments carrying the policy log, alerts, the quarantine) is sound too.
 */
import {describe, expect, it} from 'vitest';
import type {ArchiveProblem, ArchiveVerifyReport, MarkBrokenResult} from '../../src/lib/store/archive/verify.js';
import {DAMAGED_CASES, copyArchiveFixture, readDamage, type FixtureCopy} from '../fixtures/archive/fixtures.js';
import {bonnie, status} from '../helpers/run.js';
import {useTempDirs} from '../helpers/tmp.js';

const tempDir = useTempDirs();
const env = {BONNIE_CONFIG: '/dev/null'};

interface VerifyJson {
  sound: boolean;
  archive: ArchiveVerifyReport;
  markedBroken: MarkBrokenResult | null;
}

async function verify(copy: FixtureCopy, ...extra: string[]): Promise<{code: number | null; json: VerifyJson}> {
  const ran = await bonnie(['verify', '--segments', '--read-data', '--catalog', copy.catalog, '--archive', copy.archive, '--json', ...extra], {env});
  return {code: ran.code, json: JSON.parse(ran.stdout) as VerifyJson};
}

/** `user.alice UID 2` for each message a problem names. */
const named = (problem: ArchiveProblem | undefined): string[] => (problem?.messages ?? []).map((m) => `${m.mailboxName} UID ${m.uid}`);

describe.each([3, 1] as const)('bonnie verify on the archive fixtures of format %i', (format) => {
  it('finds the sound archive sound (exit 0)', async () => {
    const copy = copyArchiveFixture('sound', tempDir(), {format});
    const {code, json} = await verify(copy);
    expect(code).toBe(0);
    expect(json).toMatchObject({sound: true, markedBroken: null, archive: {segments: 2, blobs: 6, blobsRead: 6, brokenSegments: 0, problems: [], sound: true}});
    const text = await bonnie(['verify', '--read-data', '--catalog', copy.catalog, '--archive', copy.archive], {env});
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^catalog: \d+ table\(s\), \d+ page\(s\) of \d+ bytes\ncatalog: sound$/m);
    expect(text.stdout).toContain('events: the chain is intact');
    expect(text.stdout).toContain('archive: 2 segment(s), 6 blob(s), 6 read and re-hashed\narchive: sound');
  });

  for (const name of DAMAGED_CASES) {
    it(`finds the ${name} case, names the messages it affects and exits 5`, async () => {
      const damage = readDamage(name, {format});
      const copy = copyArchiveFixture(name, tempDir(), {format});
      const {code, json} = await verify(copy);
      expect(code).toBe(5);
      expect(json.sound).toBe(false);
      // Format 2: a cut also loses the members after it (snapshot, links), each reported without a message.
      expect(json.archive.problems.every((p) => p.kind === damage.expect.kind)).toBe(true);
      const withMessages = json.archive.problems.filter((p) => p.blobs.length > 0);
      expect(withMessages).toHaveLength(1);
      if (format === 1 || name !== 'truncated-segment') expect(json.archive.problems).toHaveLength(1);
      const [problem] = withMessages;
      expect(problem).toMatchObject({kind: damage.expect.kind, severity: 'error'});
      expect([...(problem?.blobs ?? [])].sort()).toEqual([...damage.expect.blobs].sort());
      expect(named(problem)).toEqual(damage.expect.messages);
    });
  }

  it('names the messages in the text output too', async () => {
    const copy = copyArchiveFixture('missing-segment', tempDir());
    const ran = await bonnie(['verify', '--segments', '--catalog', copy.catalog, '--archive', copy.archive], {env});
    expect(ran.code).toBe(5);
    expect(ran.stdout).toMatch(/^archive: PROBLEM SegmentMissing in segments\/a1\/a11ce0{26}1\.tar: the segment file is missing$/m);
    expect(ran.stdout).toContain('  affects 4 blob(s), 5 message(s):');
    for (const message of readDamage('missing-segment').expect.messages) expect(ran.stdout).toMatch(new RegExp(`^ {4}${message.replace('.', '\\.')}  blob [0-9a-f]{64}$`, 'm'));
    expect(ran.stdout).toContain('archive: NOT SOUND');
    expect(ran.stdout).toContain('hint: "bonnie verify --mark-broken"');
  });

  it('needs --read-data to find a flipped byte inside a message', async () => {
    const copy = copyArchiveFixture('flipped-byte', tempDir());
    const ran = await bonnie(['verify', '--segments', '--catalog', copy.catalog, '--archive', copy.archive, '--json'], {env});
    expect(ran.code).toBe(0); // the tar structure is intact
    expect(JSON.parse(ran.stdout)).toMatchObject({sound: true, archive: {blobsRead: 0}});
  });
});

describe('bonnie verify on the carried fixture (format 2: the policy log, alerts, quarantine in the segments)', () => {
  it('finds it sound, the members read back and the chains whole', async () => {
    const copy = copyArchiveFixture('carried', tempDir());
    const ran = await bonnie(['verify', '--read-data', '--events', '--catalog', copy.catalog, '--archive', copy.archive, '--json'], {env});
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout)).toMatchObject({sound: true, policyLog: {checked: 2, firstBreak: null}, dlpAlerts: {checked: 1, firstProblem: null}, archive: {segments: 2, blobs: 6, problems: []}});
  });
});

describe('bonnie verify --mark-broken', () => {
  it('marks the damaged segment broken; bonnie archive stores its messages again and the archive is sound', async () => {
    const copy = copyArchiveFixture('missing-segment', tempDir());
    const marked = await verify(copy, '--mark-broken');
    expect(marked.code).toBe(5); // what is gone is gone until stored again
    expect(marked.json.markedBroken).toMatchObject({segments: [{id: 'a11ce000000000000000000000000001', path: 'segments/a1/a11ce000000000000000000000000001.tar', blobs: 4}], users: ['alice', 'bob']});
    expect(marked.json.markedBroken?.messages.map((m) => `${m.mailboxName} UID ${m.uid}`)).toEqual(readDamage('missing-segment').expect.messages);
    expect(marked.json.markedBroken?.hint).toMatch(/^Run "bonnie archive --all" \(or --user alice, --user bob\)/);
    expect((await status(copy.catalog, env)).archive.brokenSegments).toBe(1);

    // Marking again changes nothing; the broken segment is a notice, its lost messages still errors.
    const again = await verify(copy, '--mark-broken');
    expect(again.code).toBe(5);
    expect(again.json.markedBroken?.segments).toEqual([]);
    expect(again.json.archive.brokenSegments).toBe(1);
    expect(again.json.archive.problems.map((p) => [p.kind, p.severity, p.segmentState, p.blobs.length])).toEqual([
      ['SegmentBroken', 'notice', 'broken', 4],
      ['SegmentMissing', 'error', 'broken', 4],
    ]);

    const archived = await bonnie(['archive', '--all', '--spool', copy.spool, '--catalog', copy.catalog, '--archive', copy.archive, '--json'], {env});
    expect(archived.code, archived.stderr).toBe(0);
    expect(JSON.parse(archived.stdout)).toMatchObject({read: 4, stored: 4, alreadyArchived: 3, snapshots: 0});

    const after = await verify(copy);
    expect(after.code).toBe(0);
    expect(after.json.archive.problems.map((p) => [p.kind, p.severity, p.blobs.length])).toEqual([
      ['SegmentBroken', 'notice', 0],
      ['SegmentMissing', 'notice', 0],
    ]);
    expect(after.json.archive).toMatchObject({segments: 3, blobs: 6, blobsRead: 6, brokenSegments: 1, sound: true});
  });

  it('says how many segments it marked, which messages, and what to run next', async () => {
    const copy = copyArchiveFixture('truncated-segment', tempDir());
    const ran = await bonnie(['verify', '--segments', '--mark-broken', '--catalog', copy.catalog, '--archive', copy.archive], {env});
    expect(ran.code).toBe(5);
    expect(ran.stdout).toContain('archive: marked 1 segment(s) broken: segments/b0/b0b00000000000000000000000000002.tar');
    expect(ran.stdout).toContain('archive: 2 message(s) in them count as not archived until stored again:');
    expect(ran.stdout).toMatch(/^ {4}user\.bob UID 1 {2}blob [0-9a-f]{64}$/m);
    expect(ran.stdout).toMatch(/^ {4}user\.bob UID 3 {2}blob [0-9a-f]{64}$/m);
    expect(ran.stdout).toContain('archive: hint: Run "bonnie archive --all" (or --user bob) to store again what Cyrus still holds');
    expect(ran.stdout).not.toContain('hint: "bonnie verify --mark-broken"');
  });

  it('marks nothing on a sound archive', async () => {
    const copy = copyArchiveFixture('sound', tempDir());
    const {code, json} = await verify(copy, '--mark-broken');
    expect(code).toBe(0);
    expect(json.markedBroken).toMatchObject({segments: [], messages: [], users: []});
  });
});
