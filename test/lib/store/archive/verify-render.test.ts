/** The text `bonnie verify` prints for the archive: every problem with the messages it affects, a few per problem. */
import {describe, expect, it} from 'vitest';
import type {ArchivedMessageRef} from '../../../../src/lib/store/archive/index/archived-message-ref.js';
import type {ArchiveProblem, ArchiveVerifyReport} from '../../../../src/lib/store/archive/verify.js';
import {MESSAGES_SHOWN, renderArchiveReport, renderMarkBroken} from '../../../../src/lib/cli/render-verify.js';

const hex = (n: number): string => n.toString(16).padStart(64, '0');
const message = (uid: number, name: string | null = 'user.alice'): ArchivedMessageRef => ({blob: hex(uid), mailboxId: 'mbox1', mailboxName: name, uidValidity: 1, uid, source: 'spool'});

function report(problem: Partial<ArchiveProblem>): ArchiveVerifyReport {
  const full: ArchiveProblem = {kind: 'SegmentMissing', severity: 'error', segmentId: 'a'.repeat(32), path: 'segments/aa/x.tar', segmentState: 'closed', blobs: [], messages: [], detail: 'the segment file is missing', ...problem};
  return {segments: 1, blobs: full.blobs.length, blobsRead: 0, brokenSegments: 0, problems: [full], sound: full.severity !== 'error'};
}

describe('renderArchiveReport', () => {
  it(`lists the first ${MESSAGES_SHOWN} messages of a problem, then how many more`, () => {
    const messages = Array.from({length: MESSAGES_SHOWN + 5}, (_, i) => message(i + 1));
    const text = renderArchiveReport(report({blobs: messages.map((m) => m.blob), messages}));
    expect(text).toContain(`  affects ${MESSAGES_SHOWN + 5} blob(s), ${MESSAGES_SHOWN + 5} message(s):\n    user.alice UID 1  blob ${hex(1)}\n`);
    expect(text).toContain(`    user.alice UID ${MESSAGES_SHOWN}  blob`);
    expect(text).not.toContain(`user.alice UID ${MESSAGES_SHOWN + 1} `);
    expect(text).toContain('    and 5 more (--json lists them all)\narchive: NOT SOUND');
  });

  it('names a folder it knows no name of by its mailboxID, and a blob no message links to by its id', () => {
    const text = renderArchiveReport(report({blobs: [hex(1), hex(2)], messages: [message(1, null)]}));
    expect(text).toContain('  affects 2 blob(s), 1 message(s) (1 blob(s) no message links to):\n    mailbox mbox1 UID 1  blob');
    expect(text).toContain(`\n    blob ${hex(2)}\n`);
  });

  it('counts but does not list the messages of a notice, and hints at --mark-broken only for errors not yet marked', () => {
    const notice = renderArchiveReport(report({kind: 'SegmentBroken', severity: 'notice', segmentState: 'broken', blobs: [hex(1)], messages: [message(1)], detail: 'marked broken'}));
    expect(notice).toContain('archive: notice SegmentBroken in segments/aa/x.tar: marked broken\n  affects 1 blob(s), 1 message(s)\narchive: sound');
    expect(notice).not.toContain('--mark-broken');
    expect(renderArchiveReport(report({blobs: [hex(1)]}))).toContain('hint: "bonnie verify --mark-broken"');
    expect(renderArchiveReport(report({blobs: [hex(1)], segmentState: 'broken'}))).not.toContain('--mark-broken');
    expect(renderArchiveReport(report({blobs: [hex(1)]}), {markBroken: true})).not.toContain('--mark-broken');
  });
});

describe('renderMarkBroken', () => {
  it('says how many segments were marked, lists the messages and the hint', () => {
    const messages = Array.from({length: MESSAGES_SHOWN + 1}, (_, i) => message(i + 1));
    const text = renderMarkBroken({segments: [{id: 'a'.repeat(32), path: 'segments/aa/x.tar', blobs: 11}], messages, users: ['alice'], hint: 'Run "bonnie archive --all".'});
    expect(text).toMatch(/^archive: marked 1 segment\(s\) broken: segments\/aa\/x\.tar\narchive: 11 message\(s\) in them count as not archived until stored again:\n/);
    expect(text).toContain('    and 1 more (--json lists them all)\narchive: hint: Run "bonnie archive --all".');
    expect(renderMarkBroken({segments: [], messages: [], users: [], hint: 'Nothing was marked.'})).toBe('archive: no segment to mark broken');
  });
});
