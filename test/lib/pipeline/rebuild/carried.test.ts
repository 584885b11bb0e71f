/**
 * Issue 19, what a rebuilt catalog lacked: the policy log (and the rules, holds and approvals it records),
 * prune plans, tombstones, DLP alerts with their chain and acknowledgements, and the quarantine are
 * carried by the segments (catalog migration 22), written once, and a catalog rebuilt from the archive
 * alone holds every one of those rows as the original did; a policy member altered breaks the rebuild.
 */
import {execFileSync} from 'node:child_process';
import {mkdirSync, readdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import Database from 'better-sqlite3';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {CATALOG_SCHEMA} from '../../../../src/lib/cli/schema.js';
import {Alerts} from '../../../../src/lib/pipeline/dlp/alerts.js';
import {Ingester} from '../../../../src/lib/pipeline/queue/ingest.js';
import {acknowledgeQuarantined} from '../../../../src/lib/pipeline/queue/quarantine.js';
import {rebuildCatalog} from '../../../../src/lib/pipeline/rebuild/rebuild.js';
import {Policy} from '../../../../src/lib/pipeline/retention/policy.js';
import {writeSegmentRecordNow} from '../../../../src/lib/pipeline/snapshot/segment-record.js';
import {NoDirectory} from '../../../../src/lib/sources/directory/types.js';
import {useTempDirs} from '../../../helpers/tmp.js';

const tempDir = useTempDirs();
const T = 1_800_000_000_000;
const DAY = 86_400_000;

/** Every row of the carried tables, as stored. */
const TABLES = ['retention_rule', 'legal_hold', 'policy_log', 'prune_plan', 'prune_plan_blob', 'prune_approval', 'prune_tombstone', 'dlp_alert', 'dlp_alert_chain', 'dlp_alert_ack', 'quarantine', 'queue_action'];
function dump(catalog: Catalog): Record<string, unknown[]> {
  return Object.fromEntries(TABLES.map((t) => [t, catalog.db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all()]));
}

/** The first segment file of an archive (the tests' archives have one). */
function firstSegment(archive: string): string {
  const folder = join(archive, 'segments', readdirSync(join(archive, 'segments'))[0] as string);
  return join(folder, readdirSync(folder)[0] as string);
}

/** A catalog holding some of everything carried, its archive written by one writer run. */
function site(): {dir: string; archive: string; catalog: Catalog} {
  const dir = tempDir();
  const archive = join(dir, 'archive');
  const catalog = openCatalog(join(dir, 'catalog.db'), {create: true});
  const policy = new Policy(catalog.db);
  policy.addRule({name: 'mail-10y', periodMs: 3650 * DAY, basis: 'date', action: 'delete', users: ['alice'], folders: ['INBOX', 'Sent']}, 'root', T);
  policy.addRule({name: 'short', periodMs: DAY, basis: 'left', action: 'delete', query: 'subject:lunch', groups: ['staff']}, 'root', T + 1);
  policy.removeRule('short', 'admin', T + 2);
  policy.addHold({caseId: 'CASE-1', users: ['bob'], since: T - 30 * DAY, reason: 'litigation'}, 'root', T + 3);
  policy.addHold({caseId: 'CASE-0', reason: 'audit', query: 'from:carol'}, 'root', T + 4);
  policy.releaseHold('CASE-0', 'audit closed', 'root', T + 5);
  policy.savePlan('plan-a', {wouldRemove: 1}, 'root', T + 6, [{sha256: Buffer.alloc(32, 7), rule: 'mail-10y'}]);
  policy.approve('plan-a', 'auditor', T + 7);
  policy.recordPrune([{sha256: Buffer.alloc(32, 7), originalLength: 100, storedLength: 60, rule: 'mail-10y', planId: 'plan-a', prunedAt: T + 8, prunedBy: 'root'}], {planId: 'plan-a', messages: 1}, 'root', T + 8);
  const alerts = new Alerts(catalog.db);
  const alert = alerts.raise({dedupKey: 'content/cards/m1/1/7', at: T, rule: 'cards', severity: 'high', kind: 'content', direction: 'in', login: 'alice', mailboxId: 'm1', folder: 'user.alice', count: 1, hits: [{detector: 'credit_card', count: 1, confidence: 'high', samples: ['4111 **** **** 1111']}], notificationIds: []}, T + 9);
  alerts.raise({dedupKey: 'behaviour/mass_delete/bob/1', at: T, rule: 'mass', severity: 'medium', kind: 'behaviour', behaviour: 'mass_delete', login: 'bob', count: 50, behaviourSummary: {count: 50}}, T + 10);
  alerts.acknowledge(alert?.id ?? 0, 'secops', 'seen, a test card', T + 11);
  new Ingester(catalog.db).ingest([{raw: Buffer.from('{"event": not json\n'), receivedAt: T + 12, source: 'stdin'}]);
  return {dir, archive, catalog};
}

describe('the catalog\'s other evidence in the segments (migration 22)', () => {
  it('is written once per writer run, then nothing until something new', () => {
    const {archive, catalog} = site();
    // 1 plan, 8 log entries, 1 tombstone, 2 alerts, 1 acknowledgement, 1 quarantined delivery.
    expect(writeSegmentRecordNow(catalog, archive)).toMatchObject({carried: 14, members: 6});
    expect(writeSegmentRecordNow(catalog, archive)).toMatchObject({carried: 0, members: 0});
    new Policy(catalog.db).addHold({caseId: 'CASE-2', reason: 'new'}, 'root', T + 20);
    expect(writeSegmentRecordNow(catalog, archive)).toMatchObject({carried: 1, members: 1});
    const segments = readdirSync(join(archive, 'segments')).flatMap((aa) => readdirSync(join(archive, 'segments', aa)).map((f) => join(archive, 'segments', aa, f)));
    expect(segments).toHaveLength(2);
    const names = segments.map((f) => execFileSync('tar', ['-tf', f], {encoding: 'utf8'})).join('');
    for (const kind of ['prune-plans', 'policy', 'tombstones', 'alerts', 'alert-acks', 'quarantine']) expect(names).toMatch(new RegExp(`^${kind}/\\d{20}-\\d{20}\\.jsonl\\.zst$`, 'm'));
    catalog.close();
  });

  it('goes back whole into a catalog rebuilt from the archive alone: rules, holds, approvals, chains, resolutions', async () => {
    const {dir, archive, catalog} = site();
    writeSegmentRecordNow(catalog, archive);
    // Acknowledged after the delivery was carried: the action carries the resolution.
    acknowledgeQuarantined(catalog.db, [1], {actor: 'ops', reason: 'a probe', now: T + 30});
    expect(writeSegmentRecordNow(catalog, archive)).toMatchObject({carried: 1});
    const original = dump(catalog);
    catalog.close();
    const target = join(dir, 'rebuilt.db');
    const summary = await rebuildCatalog({archiveDir: archive, catalogPath: target, directory: new NoDirectory(), spillDir: tempDir(), maxAttempts: 3});
    expect(summary.carried).toEqual({logEntries: 8, rules: 2, holds: 2, plans: 1, approvals: 1, tombstones: 1, approvalsWithoutPlan: 0, alerts: 2, alertAcks: 1, quarantine: 1, queueActions: 1});
    const rebuilt = openCatalog(target);
    expect(dump(rebuilt)).toEqual(original);
    const policy = new Policy(rebuilt.db);
    expect(policy.rules().map((r) => r.name)).toEqual(['mail-10y']);
    expect(policy.holds().map((h) => h.caseId)).toEqual(['CASE-1']);
    expect(policy.verifyLog()).toEqual({checked: 8, firstBreak: null});
    expect(rebuilt.db.prepare('SELECT resolution, resolved_at, resolved_by FROM quarantine').get()).toEqual({resolution: 'acknowledged', resolved_at: T + 30, resolved_by: 'ops'});
    rebuilt.close();
  });

  it('refuses to rebuild when a policy member was altered', async () => {
    const {dir, archive, catalog} = site();
    writeSegmentRecordNow(catalog, archive);
    catalog.close();
    // Rewrite the segment with one log entry's actor changed: the member's own frame is sound, the chain is not.
    const file = firstSegment(archive);
    const work = join(dir, 'x');
    mkdirSync(work);
    execFileSync('tar', ['-xf', file, '-C', work]);
    const policyDir = join(work, 'policy');
    const member = join(policyDir, readdirSync(policyDir)[0] as string);
    const text = execFileSync('zstd', ['-dc', member], {encoding: 'utf8'}).replace('"actor":"admin"', '"actor":"mallory"');
    writeFileSync(`${member}.txt`, text);
    execFileSync('zstd', ['-qf', '--check', `${member}.txt`, '-o', member]);
    const members = execFileSync('tar', ['-tf', file], {encoding: 'utf8'}).trim().split('\n');
    execFileSync('tar', ['--format=ustar', '-cf', file, '-C', work, ...members]);
    await expect(rebuildCatalog({archiveDir: archive, catalogPath: join(dir, 'rebuilt.db'), directory: new NoDirectory(), spillDir: tempDir(), maxAttempts: 3})).rejects.toMatchObject({code: 'RebuildChainBroken', message: expect.stringContaining('policy log')});
  });
});

describe('migration 22', () => {
  it('keeps every segment_member row of a catalog of 21 and lets the new kinds in', () => {
    const path = join(tempDir(), 'v21.db');
    const raw = new Database(path);
    raw.pragma('foreign_keys = ON');
    for (const m of CATALOG_SCHEMA.migrations.filter((m) => m.version <= 21)) {
      raw.transaction(() => {
        raw.exec(m.sql);
        raw.prepare('INSERT INTO schema_migration (version, name, applied_at) VALUES (?, ?, 0)').run(m.version, m.name);
        raw.pragma(`user_version = ${m.version}`);
      })();
    }
    raw.prepare("INSERT INTO segment (id, path, state, format, created_at, bytes) VALUES (?, ?, 'closed', 2, 1, 2048)").run('a'.repeat(32), 'segments/aa/x.tar');
    const member = raw.prepare('INSERT INTO segment_member (segment_id, header_offset, data_offset, stored_length, original_length, sha256, kind, first_id, last_id, stored_at) VALUES (?, ?, ?, 10, 20, zeroblob(32), ?, ?, ?, 5)');
    member.run('a'.repeat(32), 0, 512, 'record', 1, 96);
    member.run('a'.repeat(32), 1024, 1536, 'links', 1, 7);
    expect(() => member.run('a'.repeat(32), 2048, 2560, 'policy', 1, 2)).toThrow(/CHECK constraint failed/);
    raw.close();

    const catalog = openCatalog(path);
    expect(catalog.schemaVersion).toBeGreaterThanOrEqual(22);
    expect(catalog.db.prepare('SELECT header_offset, kind, first_id, last_id FROM segment_member ORDER BY header_offset').all()).toEqual([
      {header_offset: 0, kind: 'record', first_id: 1, last_id: 96},
      {header_offset: 1024, kind: 'links', first_id: 1, last_id: 7},
    ]);
    const insert = catalog.db.prepare('INSERT INTO segment_member (segment_id, header_offset, data_offset, stored_length, original_length, sha256, kind, first_id, last_id, stored_at) VALUES (?, ?, ?, 10, 20, zeroblob(32), ?, 1, 2, 5)');
    insert.run('a'.repeat(32), 2048, 2560, 'alert-acks');
    expect(() => insert.run('a'.repeat(32), 4096, 4608, 'Policy; DROP')).toThrow(/CHECK constraint failed/);
    expect(catalog.db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'segment_member_by_kind'").get()).toEqual({n: 1});
    catalog.close();
  });
});
