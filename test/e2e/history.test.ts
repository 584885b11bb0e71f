/** `bonnie history` and `bonnie audit` as an investigator uses them: the built CLI on a processed catalog. */
import {mkdtempSync, readFileSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openCatalog} from '../../src/lib/base/catalog/catalog.js';
import type {Audit} from '../../src/lib/read/discovery/audit.js';
import type {TimelineEntry} from '../../src/lib/read/discovery/timeline.js';
import {Ingester} from '../../src/lib/pipeline/queue/ingest.js';
import {SPECIMENS} from '../helpers/paths.js';
import {bonnie} from '../helpers/run.js';

const env = {BONNIE_CONFIG: '/dev/null'};
let home: string;
let catalog: string;

/** `bonnie <args> --catalog <catalog>`. */
const cli = (...args: string[]) => bonnie([...args, '--catalog', catalog], {env});
async function json<T>(...args: string[]): Promise<T> {
  const ran = await cli(...args, '--json');
  expect(ran.code, `${args.join(' ')}: ${ran.stderr}${ran.stdout}`).toBe(0);
  return JSON.parse(ran.stdout) as T;
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'bonnie-history-'));
  catalog = join(home, 'catalog.db');
  expect((await cli('init')).code).toBe(0);
  // The 96 events of the capture, queued in the order Cyrus sent them, then processed by the CLI.
  const queue = openCatalog(catalog);
  const files = readdirSync(SPECIMENS).filter((f) => f.endsWith('.json')).sort();
  new Ingester(queue.db).ingest(files.map((file, i) => ({raw: readFileSync(join(SPECIMENS, file)), receivedAt: 1000 + i, source: 'stdin' as const})));
  queue.close();
  const processed = await cli('process', '--json');
  expect(JSON.parse(processed.stdout)).toMatchObject({done: 96, failed: 0, dead: 0});
});
afterAll(() => rmSync(home, {recursive: true, force: true}));

describe('bonnie audit and bonnie history', () => {
  it('takes a reference copied from audit --json back into history --message', async () => {
    const audit = await json<Audit>('audit', '--user', 'alice');
    const moved = audit.sessions.flatMap((s) => s.actions).find((e) => e.action === 'moved');
    expect(moved).toMatchObject({messageRef: 'Mb505991248156e00f911ba8c', placementRef: 'user.alice.Work:1'});
    for (const ref of [moved?.messageRef, moved?.placementRef] as string[]) {
      const history = await json<{kind: string; message: {ref: string; subject: string}; placements: Array<{ref: string; state: string}>}>('history', '--message', ref);
      expect(history).toMatchObject({kind: 'message', message: {ref: 'Mb505991248156e00f911ba8c', subject: 'Second message'}});
      // The folder was renamed Work -> Job after the move: the reference of then still finds it, and now it is Job.
      expect(history.placements.map((p) => [p.ref, p.state])).toEqual([
        ['user.alice:2', 'moved'],
        ['user.alice.Archive:2', 'present'],
        ['user.alice.Job:1', 'present'],
      ]);
    }
    const human = await cli('history', '--message', 'user.alice.Work:1');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^Message Mb505991248156e00f911ba8c$/m);
    expect(human.stdout).toMatch(/^ {2}\S+ +alice +flags-cleared +user\.alice:2 +\S+ +-\\Flagged -\$Custom$/m);
  });

  it('accepts the references audit and history --folder print for each kind of action', async () => {
    // Every reference is checked in-process (test/lib/read/discovery/refs.test.ts); here one per action, as a user would.
    const audit = await json<Audit>('audit', '--user', 'alice');
    const byAction = new Map(audit.sessions.flatMap((s) => s.actions).filter((e) => e.placementRef !== null).map((e) => [e.action, e]));
    expect([...byAction.keys()].sort()).toEqual(['appended', 'copied', 'expunged', 'flags-cleared', 'flags-set', 'moved', 'read', 'trashed']);
    // A delivery to alice is not her action: her INBOX's history shows it, with no actor.
    const inbox = await json<{timeline: TimelineEntry[]}>('history', '--folder', 'user.alice');
    const delivered = inbox.timeline.filter((e) => e.action === 'delivered');
    expect(delivered.map((e) => [e.actor, e.placementRef])).toEqual([
      [null, 'user.alice:5'],
      [null, 'user.alice:6'],
    ]);
    const checks = [...byAction.values(), ...delivered].map(async (e) => {
      const history = await json<{message: {ref: string}}>('history', '--message', e.placementRef as string);
      expect(history.message.ref, e.placementRef as string).toBe(e.messageRef);
    });
    await Promise.all(checks);
  });

  it('shows a folder by a name it used to have, and a person', async () => {
    const folder = await cli('history', '--folder', 'user.alice.Work');
    expect(folder.code, folder.stderr).toBe(0);
    expect(folder.stdout).toMatch(/^Folder user\.alice\.Job \(mailboxID 8noufdk8233tibe0dudubmdt\)$/m);
    expect(folder.stdout).toMatch(/renamed user\.alice\.Work -> user\.alice\.Job$/m);
    expect(folder.stdout).toMatch(/ +acl-revoked +user\.alice\.Work +- +\S+ +bob: lrs -> lr \(-s\)$/m);
    const user = await json<{kind: string; sessions: Array<{service: string}>}>('history', '--user', 'ALICE');
    expect(user.kind).toBe('user');
    expect(user.sessions.map((s) => s.service)).toEqual(['imap', 'imap']);
    // Between 11:54:16 and 11:54:20 mail was delivered to alice, bob appended, and the admin raised bob's quota.
    const range = ['--since', '2026-11-22T11:54:16Z', '--until', '2026-11-22T11:54:20Z'];
    const alice = await cli('audit', '--user', 'alice', ...range);
    expect(alice.stdout).toMatch(/^0 session\(s\), 0 action\(s\) outside them$/m);
    const admin = await cli('audit', '--user', 'cyrus', ...range);
    expect(admin.stdout).toMatch(/^1 session\(s\), 0 action\(s\) outside them$/m);
    expect(admin.stdout).toMatch(/^ {4}2026-11-22T11:54:20\.048Z +cyrus +quota-changed +- +- +user\.bob: storage 0 KiB of 20000, 1 messages of no limit$/m);
    const bob = await cli('audit', '--user', 'bob', ...range);
    expect(bob.stdout).toMatch(/^1 session\(s\), 0 action\(s\) outside them$/m);
    expect(bob.stdout).toMatch(/ +bob +appended +user\.bob:1 /);
    expect(bob.stdout).not.toContain('quota-changed');
  });

  it('explains what it cannot find or read, with the documented exit statuses', async () => {
    const unknown = await cli('history', '--message', 'Mffffffffffffffffffffffff');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^bonnie: no message Mffffffffffffffffffffffff in the record\nhint: /);
    expect(unknown.stdout).toBe('');
    const asJson = await cli('history', '--message', 'not-a-ref', '--json');
    expect(asJson.code).toBe(2);
    expect(JSON.parse(asJson.stdout)).toMatchObject({error: {code: 'RefInvalid', exit: 2, hint: expect.stringContaining('<folder>:<uid>')}});
    expect((await cli('history')).code).toBe(2);
    expect((await cli('history', '--user', 'alice', '--folder', 'user.alice')).code).toBe(2);
    const nobody = await cli('audit', '--user', 'nobody');
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(/^bonnie: nobody called nobody in the record\nhint: /);
    expect((await cli('audit', '--user', 'alice', '--since', 'last week')).code).toBe(2);
  });
});
