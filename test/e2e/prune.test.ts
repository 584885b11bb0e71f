/**
 * Issue 17, the deleting half, as an administrator runs it (the built CLI) on an archive of 120 messages
 * (test/lib/read/retention/prune-fixture.ts: 3 users, every tenth message dated 2015): a rule change alone
 * deletes nothing; `prune --plan` with the dry run's id prunes the 10% the rule lets go but the one a hold
 * covers, frees their bytes, and leaves `verify --read-data` and `verify --integrity` clean and `search`
 * without them; `restore` and `export` name them with their tombstones; a bogus or stale id is refused.
 */
import {beforeEach, describe, expect, it} from 'vitest';
import {bonnie} from '../helpers/run.js';
import {useTempDirs} from '../helpers/tmp.js';
import {buildPruneArchive, type PruneArchive} from '../lib/read/retention/prune-fixture.js';

const tempDir = useTempDirs();
let site: PruneArchive;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  site = await buildPruneArchive(tempDir());
  env = {BONNIE_CONFIG: '/dev/null', BONNIE_CATALOG: site.catalog, BONNIE_ARCHIVE: site.archive};
});

async function json<T>(args: string[], code: number | undefined = 0): Promise<T> {
  const ran = await bonnie([...args, '--json'], {env});
  if (code !== undefined) expect(ran.code, `bonnie ${args.join(' ')}: ${ran.stderr}${ran.stdout}`).toBe(code);
  return JSON.parse(ran.stdout) as T;
}

/** bonnie status' archive counts (its exit status says how healthy the site is: not this test's matter). */
const archived = async () => (await json<{archive: {messages: number; storedBytes: number}}>(['status'], undefined)).archive;

describe('bonnie prune --plan', () => {
  it('prunes what the plan found and a hold does not cover, frees its bytes, and leaves verify and search clean', async () => {
    const before = await archived();
    expect(before.messages).toBe(site.messages.length);
    await json(['retention', 'add', 'five-years', '--delete', '5y']);
    const held = site.messages.find((m) => m.old && m.user === 'u3') as (typeof site.messages)[number];
    // Its minute only: the user's other old messages are of the same day.
    const at = new Date(held.date).toISOString();
    await json(['hold', 'add', 'CASE-7', '--user', 'u3', '--since', at, '--until', at, '--reason', 'litigation']);
    // A rule change alone deletes nothing.
    expect(await archived()).toEqual(before);

    const plan = await json<{id: string; expired: number; held: number}>(['prune', '--dry-run']);
    const old = site.messages.filter((m) => m.old);
    expect(plan).toMatchObject({expired: old.length - 1, held: 1});
    expect(await archived()).toEqual(before);

    const bogus = await json<{error: {code: string; hint: string}}>(['prune', '--plan', 'feedfacefeedface'], 2);
    expect(bogus.error).toMatchObject({code: 'PrunePlanUnknown', hint: expect.stringContaining('--dry-run')});

    const pruned = await json<{pruned: number; prunedStoredBytes: number; freedBytes: number; skipped: {held: number}}>(['prune', '--plan', plan.id]);
    console.error(`prune (CLI): ${pruned.pruned} of ${site.messages.length} messages; stored ${pruned.prunedStoredBytes} bytes, segments shrank by ${pruned.freedBytes} bytes`);
    expect(pruned.pruned).toBe(old.length - 1);
    expect(pruned.freedBytes).toBeGreaterThanOrEqual(0.95 * pruned.prunedStoredBytes);
    const after = await archived();
    expect(after.messages).toBe(site.messages.length - old.length + 1);
    expect(before.storedBytes - after.storedBytes).toBe(pruned.prunedStoredBytes);
    // bonnie status: what was pruned, the active hold, and what the plan found held and expiring.
    const status = await json<{retention: unknown}>(['status'], undefined);
    expect(status.retention).toMatchObject({activeHolds: 1, lastPlan: {id: plan.id, held: 1, heldBytes: held.size}, pruned: {messages: pruned.pruned, storedBytes: pruned.prunedStoredBytes}});

    expect(await json(['verify', '--read-data'])).toMatchObject({sound: true});
    expect(await json(['verify', '--integrity'])).toMatchObject({sound: true});
    const gone = old.find((m) => m.sha256 !== held.sha256) as (typeof site.messages)[number];
    expect((await json<{hits: unknown[]}>(['search', `subject:"${gone.subject}"`])).hits).toEqual([]);
    expect((await json<{hits: unknown[]}>(['search', `subject:"${held.subject}"`])).hits).toHaveLength(1);
    const kept = site.messages.find((m) => !m.old) as (typeof site.messages)[number];
    expect((await json<{hits: unknown[]}>(['search', `subject:"${kept.subject}"`])).hits).toHaveLength(1);
    expect(await json(['verify', '--events'])).toMatchObject({sound: true, policyLog: {firstBreak: null}});

    // restore --at and export name the pruned messages with their tombstones instead of failing.
    const u1Old = site.messages.filter((m) => m.user === 'u1' && m.old);
    type Named = {uid: number; rule: string; prunedAt: string; planId: string};
    const restore = await json<{pruned: number; missing: number; folders: Array<{pruned: Named[]}>}>(['restore', '--user', 'u1', '--dry-run']);
    expect(restore).toMatchObject({pruned: u1Old.length, missing: 0});
    expect(restore.folders[0]?.pruned).toEqual(u1Old.map((m) => expect.objectContaining({uid: m.uid, rule: 'five-years', planId: plan.id})));
    const exported = await json<{pruned: number; missing: number; exported: number; folders: Array<{pruned: Named[]; missing: Array<{reason: string}>}>}>(['export', '--user', 'u1', '--format', 'eml', '--out', `${site.archive}-u1`]);
    expect(exported).toMatchObject({pruned: u1Old.length, missing: u1Old.length, exported: site.messages.filter((m) => m.user === 'u1').length - u1Old.length});
    expect(exported.folders[0]?.missing[0]?.reason).toMatch(/^pruned by retention rule five-years at /);

    // The hold's release changes the policy: the old plan is stale now, with a hint to plan again.
    await json(['hold', 'release', 'CASE-7', '--reason', 'settled']);
    const stale = await json<{error: {code: string; hint: string}}>(['prune', '--plan', plan.id], 2);
    expect(stale.error).toMatchObject({code: 'PrunePlanStale', hint: expect.stringContaining('--dry-run')});
    expect((await archived()).messages).toBe(after.messages);
  });
});
