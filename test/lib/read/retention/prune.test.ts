/**
 * `bonnie prune --plan` in process (issue 17): a real archive (prune-fixture.ts: 3 users x 40 messages, every
 * tenth dated 2015), a 5-year delete rule, a hold on one old message. What a user checks: the space comes
 * back, verify --read-data is clean, search no longer finds what went, every kept message reads back, held
 * mail stays, refusals come with a hint, and what an interrupted run left is removed by the next one.
 */
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {beforeEach, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {checkCatalog} from '../../../../src/lib/base/catalog/integrity.js';
import {BonnieError} from '../../../../src/lib/base/errors.js';
import {catalogReferences} from '../../../../src/lib/cli/reference-checks.js';
import {parsePeriod} from '../../../../src/lib/pipeline/retention/period.js';
import {Policy} from '../../../../src/lib/pipeline/retention/policy.js';
import {pruneDryRun} from '../../../../src/lib/read/retention/dry-run.js';
import {approvePlan, prunePlan} from '../../../../src/lib/read/retention/prune.js';
import {searchMessages} from '../../../../src/lib/read/search/search.js';
import {ArchiveIndex} from '../../../../src/lib/store/archive/index/repository.js';
import {ArchiveReader} from '../../../../src/lib/store/archive/reader.js';
import {repackSegments} from '../../../../src/lib/store/archive/repack.js';
import {verifyArchive} from '../../../../src/lib/store/archive/verify.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {buildPruneArchive, type PruneArchive} from './prune-fixture.js';

const tempDir = useTempDirs();
const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);
const clock = (at = NOW) => () => at;
let site: PruneArchive;
let catalog: Catalog;

beforeEach(async () => {
  site = await buildPruneArchive(tempDir());
  catalog = openCatalog(site.catalog);
  return () => catalog.close();
});

function addOldRule(actor = 'alice', at = NOW - 60_000): void {
  new Policy(catalog.db).addRule({name: 'five-years', periodMs: parsePeriod('5y', 'period'), basis: 'date', action: 'delete'}, actor, at);
}

async function errorOf(promise: Promise<unknown>): Promise<BonnieError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(BonnieError);
  return error as BonnieError;
}

function readAll(): Map<string, Buffer> {
  const reader = new ArchiveReader(catalog, site.archive);
  try {
    const index = new ArchiveIndex(catalog.db);
    const out = new Map<string, Buffer>();
    for (const m of site.messages) if (index.getBlob(Buffer.from(m.sha256, 'hex')) !== undefined) out.set(m.sha256, reader.readBlob(Buffer.from(m.sha256, 'hex')));
    return out;
  } finally {
    reader.close();
  }
}

describe('bonnie prune --plan', () => {
  it('prunes the expired messages, frees their bytes, keeps held and kept mail readable, and leaves verify and search clean', async () => {
    addOldRule();
    const heldOne = site.messages.find((m) => m.user === 'u2' && m.old) as (typeof site.messages)[number];
    new Policy(catalog.db).addHold({caseId: 'CASE-9', users: ['u2'], since: heldOne.date, until: heldOne.date, reason: 'litigation'}, 'alice', NOW - 30_000);
    const plan = await pruneDryRun(catalog, site.archive, {actor: 'alice', now: NOW});
    const old = site.messages.filter((m) => m.old);
    expect(plan).toMatchObject({messages: site.messages.length, expired: old.length - 1, held: 1});
    const storedBefore = new ArchiveIndex(catalog.db).listSegments().reduce((n, s) => n + s.bytes, 0);

    const result = await prunePlan(catalog, site.archive, plan.id, {actor: 'bob', now: clock()});
    console.error(`prune: ${result.pruned} of ${site.messages.length} messages, ${result.prunedStoredBytes} stored bytes; segments ${storedBefore} -> ${storedBefore - result.freedBytes} bytes (freed ${result.freedBytes})`);
    expect(result).toMatchObject({pruned: old.length - 1, segmentsRepacked: 3, skipped: {held: 0, notExpired: 0, gone: 0}});
    expect(result.freedBytes).toBeGreaterThanOrEqual(0.95 * result.prunedStoredBytes);
    expect(result.rules).toEqual([{rule: 'five-years', messages: old.length - 1, bytes: result.prunedBytes}]);

    // What must stay reads back byte for byte; what went is gone from the index, the search and the links.
    const kept = readAll();
    expect(kept.size).toBe(site.messages.length - old.length + 1);
    expect(kept.has(heldOne.sha256)).toBe(true);
    for (const m of site.messages.filter((x) => !x.old)) expect(kept.get(m.sha256)?.length).toBe(m.size);
    const report = verifyArchive(catalog, site.archive, {readData: true});
    expect(report).toMatchObject({sound: true, problems: [], blobs: kept.size, blobsRead: kept.size});
    const gone = old.find((m) => m.sha256 !== heldOne.sha256) as (typeof site.messages)[number];
    expect(searchMessages(catalog.db, `subject:"${gone.subject}"`).hits).toEqual([]);
    expect(searchMessages(catalog.db, `subject:"${heldOne.subject}"`).hits).toHaveLength(1);
    expect(checkCatalog(catalog, catalogReferences(catalog.db)).problems ?? []).toEqual([]);

    // The record proves what existed and why it went; the log's chain holds.
    const policy = new Policy(catalog.db);
    expect(policy.tombstone(Buffer.from(gone.sha256, 'hex'))).toMatchObject({rule: 'five-years', planId: plan.id, prunedAt: NOW, prunedBy: 'bob', originalLength: gone.size});
    expect(policy.tombstone(Buffer.from(heldOne.sha256, 'hex'))).toBeUndefined();
    expect(policy.verifyLog()).toEqual({checked: 3, firstBreak: null}); // the rule, the hold, the prune

    // The same plan again: everything in it is gone already, nothing else is touched.
    const again = await prunePlan(catalog, site.archive, plan.id, {actor: 'bob', now: clock()});
    expect(again).toMatchObject({pruned: 0, segmentsRepacked: 0, skipped: {gone: old.length - 1}});
  });

  it('deletes nothing on a rule change alone, and refuses an unknown, stale or outdated plan with a hint', async () => {
    addOldRule();
    expect(new ArchiveIndex(catalog.db).listSegments()).toHaveLength(3);
    expect(readAll().size).toBe(site.messages.length);

    const bogus = await errorOf(prunePlan(catalog, site.archive, 'feedfacefeedface', {actor: 'bob', now: clock()}));
    expect(bogus).toMatchObject({code: 'PrunePlanUnknown', hint: expect.stringContaining('--dry-run')});

    const plan = await pruneDryRun(catalog, site.archive, {actor: 'alice', now: NOW});
    const late = await errorOf(prunePlan(catalog, site.archive, plan.id, {actor: 'bob', now: clock(NOW + 8 * 86_400_000)}));
    expect(late).toMatchObject({code: 'PrunePlanStale', hint: expect.stringContaining('--dry-run')});

    // A hold placed after the plan: the plan is refused whole, nothing deleted.
    new Policy(catalog.db).addHold({caseId: 'CASE-1', reason: 'audit'}, 'carol', NOW + 1000);
    const changed = await errorOf(prunePlan(catalog, site.archive, plan.id, {actor: 'bob', now: clock(NOW + 2000)}));
    expect(changed).toMatchObject({code: 'PrunePlanStale', message: expect.stringContaining('changed')});
    expect(readAll().size).toBe(site.messages.length);

    // With the hold in force, a new plan finds everything expired but held: nothing to prune.
    const held = await pruneDryRun(catalog, site.archive, {actor: 'alice', now: NOW + 3000});
    expect(held).toMatchObject({expired: 0, held: site.messages.filter((m) => m.old).length});
    const none = await prunePlan(catalog, site.archive, held.id, {actor: 'bob', now: clock(NOW + 4000)});
    expect(none).toMatchObject({pruned: 0, segmentsRepacked: 0});
    expect(verifyArchive(catalog, site.archive, {readData: true})).toMatchObject({sound: true, blobs: site.messages.length});
  });

  it('skips, with the reason, what is no longer expired or no longer archived when it runs', async () => {
    addOldRule();
    const plan = await pruneDryRun(catalog, site.archive, {actor: 'alice', now: NOW});
    // The plan as kept, plus a recent message (not expired) and a hash the archive never held.
    const recent = site.messages.find((m) => !m.old) as (typeof site.messages)[number];
    catalog.db.prepare('INSERT INTO prune_plan_blob (plan_id, sha256, rule) VALUES (?, ?, ?)').run(plan.id, Buffer.from(recent.sha256, 'hex'), 'five-years');
    catalog.db.prepare('INSERT INTO prune_plan_blob (plan_id, sha256, rule) VALUES (?, ?, ?)').run(plan.id, Buffer.alloc(32, 7), 'five-years');
    const result = await prunePlan(catalog, site.archive, plan.id, {actor: 'bob', now: clock()});
    expect(result.skipped).toMatchObject({notExpired: 1, gone: 1, held: 0});
    expect(result.skipped.messages).toEqual(expect.arrayContaining([{sha256: recent.sha256, reason: 'not-expired'}, {sha256: '07'.repeat(32), reason: 'gone'}]));
    expect(readAll().has(recent.sha256)).toBe(true);
  });

  it('finds what an interrupted run left before its commit (new segments written, a segment row without its file) and removes it, never as damage', async () => {
    addOldRule();
    const plan = await pruneDryRun(catalog, site.archive, {actor: 'alice', now: NOW});
    const old = site.messages.filter((m) => m.old).map((m) => Buffer.from(m.sha256, 'hex'));
    // A run that died after writing its copies, before the commit: the index still names the old segments.
    const copies = repackSegments(catalog, site.archive, old);
    expect(copies.newSegments).toHaveLength(1);
    for (const s of copies.newSegments) expect(existsSync(join(site.archive, s.path))).toBe(true);
    // And one that died between recording its next segment and creating the file.
    new ArchiveIndex(catalog.db).addSegment('0123456789abcdef0123456789abcdef', 'segments/01/0123456789abcdef0123456789abcdef.tar', NOW);
    const before = verifyArchive(catalog, site.archive, {readData: true});
    expect(before).toMatchObject({sound: true, blobs: site.messages.length});
    expect(before.problems).toEqual([expect.objectContaining({kind: 'SegmentMissing', severity: 'notice', blobs: []})]);

    const result = await prunePlan(catalog, site.archive, plan.id, {actor: 'bob', now: clock()});
    expect(result.recovered).toEqual({orphanSegments: 2, retiredSegments: 0});
    for (const s of copies.newSegments) expect(existsSync(join(site.archive, s.path))).toBe(false);
    for (const s of copies.retired) expect(existsSync(join(site.archive, s.path))).toBe(false);
    expect(verifyArchive(catalog, site.archive, {readData: true})).toMatchObject({sound: true, problems: []});
    expect(readAll().size).toBe(site.messages.length - old.length);
  });

  it('with prune_approvers: 2, runs a plan only once an administrator other than its maker approved it', async () => {
    addOldRule();
    const plan = await pruneDryRun(catalog, site.archive, {actor: 'root (sudo by alice)', now: NOW});
    const waiting = await errorOf(prunePlan(catalog, site.archive, plan.id, {actor: 'root (sudo by alice)', approvers: 2, now: clock()}));
    expect(waiting).toMatchObject({code: 'PruneNotApproved', hint: expect.stringContaining(`bonnie prune approve ${plan.id}`)});
    expect(() => approvePlan(catalog, plan.id, 'alice', NOW)).toThrow(expect.objectContaining({code: 'PruneApprovalInvalid'}));
    expect(() => approvePlan(catalog, 'feedfacefeedface', 'carol', NOW)).toThrow(expect.objectContaining({code: 'PrunePlanUnknown'}));
    const approved = approvePlan(catalog, plan.id, 'root (sudo by carol)', NOW + 1000);
    expect(approved).toMatchObject({planId: plan.id, createdBy: 'root (sudo by alice)', approvals: [{by: 'root (sudo by carol)'}]});
    const result = await prunePlan(catalog, site.archive, plan.id, {actor: 'root (sudo by alice)', approvers: 2, readData: true, now: clock(NOW + 2000)});
    expect(result.pruned).toBe(site.messages.filter((m) => m.old).length);
    // The rule, the approval, the prune: one chain.
    expect(new Policy(catalog.db).verifyLog()).toEqual({checked: 3, firstBreak: null});
  });
});
