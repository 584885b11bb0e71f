/**
 * The built `bonnie history --object` as an investigator uses it, on a catalog and archive built in-process
 * (kolab-scenario.ts): the listing, --json, --raw's exact bytes on stdout, --diff, and usage errors with
 * their exit statuses.
 */
import {spawn} from 'node:child_process';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {BIN_RUN} from '../../../helpers/paths.js';
import {bonnie} from '../../../helpers/run.js';
import {kolabEvent} from './kolab-fixture.js';
import {KolabScenario} from './kolab-scenario.js';

const UID = 'c0ffee00-1234-4abc-9def-000000000042';
const CALENDAR = 'user.alice.Calendar';
const first = kolabEvent({uid: UID, summary: 'Team lunch', start: '2026-04-01T12:00:00', end: '2026-04-01T13:00:00', sequence: 0, lastModified: '2026-03-31T08:00:00Z'});
const second = kolabEvent({uid: UID, summary: 'Team lunch (Italian)', start: '2026-04-01T12:00:00', end: '2026-04-01T13:30:00', sequence: 1, lastModified: '2026-03-31T08:30:00Z'});

let dir: string;
let args: string[];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bonnie-groupware-cli-'));
  const s = new KolabScenario(dir).login('alice', '2026-03-31T07:59:00.000Z').login('bob', '2026-03-31T07:59:30.000Z');
  s.createFolder(CALENDAR, 'calendar0alice0000000002', 1774944000, 'alice', '2026-03-31T08:00:00.000Z');
  s.append(CALENDAR, 1, first, UID, 'alice', '2026-03-31T08:00:01.000Z');
  s.append(CALENDAR, 2, second, UID, 'bob', '2026-03-31T08:30:00.000Z').remove(CALENDAR, 1, 'bob', '2026-03-31T08:30:01.000Z');
  const {catalog, archiveDir} = await s.build();
  catalog.close();
  args = ['--catalog', join(dir, 'catalog.db'), '--archive', archiveDir];
});
afterAll(() => rmSync(dir, {recursive: true, force: true}));

const env = {BONNIE_CONFIG: '/dev/null'};
const cli = (...more: string[]) => bonnie(['history', ...more, ...args], {env});

/** `bonnie history <args>` with stdout as bytes. */
function rawCli(...more: string[]): Promise<{code: number | null; stdout: Buffer}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN_RUN, 'history', ...more, ...args], {env: {...process.env, ...env}, stdio: ['ignore', 'pipe', 'inherit']});
    const out: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve({code, stdout: Buffer.concat(out)}));
  });
}

describe('bonnie history --object (built CLI)', () => {
  it('lists the revisions and the changelog, for people and as JSON', async () => {
    const human = await cli('--object', UID);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^Object ${UID} \\(event\\)$`, 'm'));
    expect(human.stdout).toMatch(/^ {2}1 +2026-03-31T08:00:01\.000Z +alice +created +user\.alice\.Calendar:1 +Team lunch +\d+ +[0-9a-f]{12}$/m);
    expect(human.stdout).toMatch(/^ {2}2026-03-31T08:30:00\.000Z +bob +modified +2 +user\.alice\.Calendar:2 +\S+$/m);
    const json = await cli('--object', UID, '--json');
    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout) as {kind: string; revisions: Array<{rev: number; actor: string}>};
    expect(parsed.kind).toBe('object');
    expect(parsed.revisions.map((r) => [r.rev, r.actor])).toEqual([
      [1, 'alice'],
      [2, 'bob'],
    ]);
  });

  it('prints a revision byte for byte with --raw, and the change with --diff', async () => {
    const raw = await rawCli('--object', UID, '--raw', '1');
    expect(raw.code).toBe(0);
    expect(raw.stdout.equals(first)).toBe(true);
    const diff = await cli('--object', UID, '--diff', '1', '2');
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toContain('- summary: Team lunch\n+ summary: Team lunch (Italian)\n');
    const json = JSON.parse((await cli('--object', UID, '--diff', '1', '2', '--json')).stdout) as {kind: string; added: number};
    expect(json).toMatchObject({kind: 'object-diff', added: 4});
  });

  it('refuses bad revisions and flags with exit status 2 and a hint', async () => {
    const missing = await cli('--object', UID, '--raw', '3');
    expect([missing.code, missing.stderr]).toEqual([2, `bonnie: object ${UID} has no revision 3: it has revisions 1 to 2\nhint: Run "bonnie history --object ${UID}" to list them.\n`]);
    expect((await cli('--object', UID, '--diff', '1')).code).toBe(2);
    expect((await cli('--object', UID, '--raw', '1', '--json')).code).toBe(2);
    expect((await cli('--message', 'msg:1', '--raw', '1')).code).toBe(2);
    const unknown = await cli('--object', 'nothing-like-it');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^bonnie: no groupware object nothing-like-it in the archive\nhint: /);
  });
});
