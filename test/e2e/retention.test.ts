/**
 * Issue 17, first part, as an administrator runs it (the built CLI) on a copy of the sound archive fixture
 * (alice's INBOX UIDs 1-3 dated 1-3 March 2026, her Sent UID 1 = bob's UID 2 dated 2 March, bob's UIDs 1
 * and 3): retention rules decide what `bonnie prune --dry-run` would let go, the longest applicable period
 * wins, a legal hold keeps what it covers until released, every change is in a hash chain that `bonnie
 * verify --events` checks, and `bonnie prune` without --dry-run deletes nothing.
 */
import Database from 'better-sqlite3';
import {beforeEach, describe, expect, it} from 'vitest';
import {copyArchiveFixture, type FixtureCopy} from '../fixtures/archive/fixtures.js';
import {bonnie} from '../helpers/run.js';
import {useTempDirs} from '../helpers/tmp.js';

const tempDir = useTempDirs();
let lab: FixtureCopy;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  lab = copyArchiveFixture('sound', tempDir());
  env = {BONNIE_CONFIG: '/dev/null', BONNIE_CATALOG: lab.catalog, BONNIE_ARCHIVE: lab.archive};
});

async function ok(args: string[]): Promise<string> {
  const ran = await bonnie(args, {env});
  expect(ran.code, `bonnie ${args.join(' ')}: ${ran.stderr}`).toBe(0);
  return ran.stdout;
}

interface Plan {
  id: string;
  messages: number;
  kept: number;
  expired: number;
  held: number;
  rules: Array<{rule: string; messages: number; expired: number; held: number}>;
  holds: Array<{caseId: string; messages: number}>;
}
const plan = async (): Promise<Plan> => JSON.parse(await ok(['prune', '--dry-run', '--json'])) as Plan;

describe('retention rules, legal holds and bonnie prune --dry-run', () => {
  it('lets go what the longest applicable rule lets go, keeps what a hold covers, and deletes nothing', async () => {
    expect(await plan()).toMatchObject({messages: 6, kept: 6, expired: 0});

    await ok(['retention', 'add', 'short', '--delete', '30d']);
    expect(await plan()).toMatchObject({messages: 6, expired: 6});

    // Bob's mail is kept ten years: his two messages and the one alice sent him (one copy is enough).
    await ok(['retention', 'add', 'bob-keep', '--keep', '10y', '--user', 'bob']);
    const ruled = await plan();
    expect(ruled).toMatchObject({expired: 3, kept: 3});
    expect(ruled.rules).toEqual([expect.objectContaining({rule: 'bob-keep', messages: 3}), expect.objectContaining({rule: 'short', messages: 3, expired: 3})]);

    // A hold on alice's mail of 2 March keeps her INBOX UID 2 (the Sent copy is bob's rule's anyway).
    await ok(['hold', 'add', 'CASE-1', '--user', 'alice', '--since', '2026-03-02', '--until', '2026-03-02T23:59:59Z', '--reason', 'litigation']);
    const held = await plan();
    expect(held).toMatchObject({expired: 2, held: 1});
    expect(held.holds).toEqual([{caseId: 'CASE-1', messages: 2, bytes: expect.any(Number)}]);
    expect(held.id).not.toBe(ruled.id);

    // bonnie status shows the rules, the active hold and what the latest dry run found.
    const status = await bonnie(['status', '--json'], {env});
    expect(JSON.parse(status.stdout)).toMatchObject({retention: {rules: 2, activeHolds: 1, lastPlan: {id: held.id, expired: 2, held: 1}}});

    await ok(['hold', 'release', 'CASE-1', '--reason', 'settled']);
    expect((await plan()).expired).toBe(3);
    const holds = JSON.parse(await ok(['hold', 'list', '--all', '--json'])) as {holds: Array<{caseId: string; releaseReason: string}>};
    expect(holds.holds).toEqual([expect.objectContaining({caseId: 'CASE-1', releaseReason: 'settled'})]);

    // Nothing was deleted, and prune without --dry-run refuses.
    const refused = await bonnie(['prune', '--json'], {env});
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.stdout)).toMatchObject({error: {code: 'PruneNotConfirmed'}});
    expect((await plan()).messages).toBe(6);
    expect(JSON.parse(await ok(['verify', '--segments', '--json']))).toMatchObject({sound: true});
  });

  it('scopes rules and holds by a search query: a rule decides only the places it matches, a hold keeps what it matches', async () => {
    // Only alice's two lunch messages have a rule; the other four are kept by no rule.
    await ok(['retention', 'add', 'lunch', '--delete', '30d', '--query', 'subject:lunch']);
    expect(await plan()).toMatchObject({messages: 6, expired: 2, kept: 4});
    // Everything else may go after 30 days, but a hold keeps what mentions the figures (a subject and a body).
    await ok(['retention', 'add', 'short', '--delete', '30d']);
    await ok(['hold', 'add', 'FIGURES', '--query', 'figures', '--reason', 'audit of the figures']);
    const held = await plan();
    expect(held).toMatchObject({messages: 6, expired: 4, held: 2});
    expect(held.holds).toEqual([{caseId: 'FIGURES', messages: 2, bytes: expect.any(Number)}]);
    const listed = JSON.parse(await ok(['hold', 'list', '--json'])) as {holds: Array<{caseId: string; query: string}>};
    expect(listed.holds).toEqual([expect.objectContaining({caseId: 'FIGURES', query: 'figures'})]);
    expect(await ok(['retention', 'list'])).toContain('matching subject:lunch');

    // A query that does not parse is refused before anything is recorded.
    const refused = await bonnie(['hold', 'add', 'BAD', '--query', 'subject:"open', '--reason', 'x', '--json'], {env});
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.stdout)).toMatchObject({error: {code: 'QueryInvalid'}});
    expect((JSON.parse(await ok(['hold', 'list', '--all', '--json'])) as {holds: unknown[]}).holds).toHaveLength(1);
  });

  it('records every change in a hash chain that verify --events checks, and finds an edited entry', async () => {
    await ok(['retention', 'add', 'default', '--delete', '7y']);
    await ok(['hold', 'add', 'CASE-2', '--reason', 'audit']);
    await ok(['retention', 'remove', 'default']);
    const verified = JSON.parse(await ok(['verify', '--events', '--json'])) as {policyLog: {checked: number; firstBreak: number | null}};
    expect(verified.policyLog).toEqual({checked: 3, firstBreak: null});
    const rules = JSON.parse(await ok(['retention', 'list', '--all', '--json'])) as {rules: Array<{name: string; removedAt: number | null}>};
    expect(rules.rules).toEqual([expect.objectContaining({name: 'default', removedAt: expect.any(Number)})]);

    // Someone with write access to the catalog quietly rewrites the hold's reason in the log.
    const db = new Database(lab.catalog);
    db.prepare("UPDATE policy_log SET entry = replace(entry, 'audit', 'nothing') WHERE seq = 2").run();
    db.close();
    const broken = await bonnie(['verify', '--events', '--json'], {env});
    expect(broken.code).toBe(5);
    expect(JSON.parse(broken.stdout)).toMatchObject({sound: false, policyLog: {firstBreak: 2}});
  });

  it('refuses a name used before and a period it cannot read, with a hint', async () => {
    await ok(['retention', 'add', 'once', '--delete', '1y']);
    const again = await bonnie(['retention', 'add', 'once', '--keep', '2y', '--json'], {env});
    expect(again.code).toBe(2);
    expect(JSON.parse(again.stdout)).toMatchObject({error: {code: 'RetentionRuleExists'}});
    const bad = await bonnie(['retention', 'add', 'other', '--delete', 'seven years', '--json'], {env});
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({error: {code: 'UsageInvalid', hint: expect.stringContaining('7y')}});
  });
});
