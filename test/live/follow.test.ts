/**
 * `bonnie process --follow --json` and `bonnie collector --follow --json` as a script reads them: JSON Lines
 * on stdout, each written when it happens. Both follow a catalog of this test's own (the shared lab's
 * catalog stays untouched: its collector jobs belong to other files' archives); the test feeds it the real
 * notifications Cyrus sends for alice's folder `Follow<timestamp>` while they run, as the dealer would,
 * reads the lines as they come, then stops both with SIGTERM.
 */
import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createInterface} from 'node:readline';
import {afterAll, describe, expect, inject, it} from 'vitest';
import {openCatalog} from '../../src/lib/base/catalog/catalog.js';
import {Ingester} from '../../src/lib/pipeline/queue/ingest.js';
import {lastEventId, waitForEvents, type CapturedEvent} from '../harness/events.js';
import {imapClient} from '../harness/imap.js';
import {testMessage} from '../harness/lmtp.js';
import {queryCatalog} from '../helpers/catalog.js';
import {BIN_RUN} from '../helpers/paths.js';

const lab = inject('lab');
const stamp = Date.now();
const folder = `Follow${stamp}`;
const dir = mkdtempSync(join(tmpdir(), 'bonnie-follow-'));
const catalogPath = join(dir, 'catalog.db');
const followers: Follower[] = [];
afterAll(async () => {
  // A failed test must not leave a follower running.
  for (const f of followers) f.child.kill('SIGKILL');
  rmSync(dir, {recursive: true, force: true});
});

/** Bounds each wait: a guard against a hang, never a measure of speed. */
const GUARD_MS = 60_000;

interface Line {
  type: string;
  [key: string]: unknown;
}

/** A follower started with --json: its stdout read line by line as it comes. */
class Follower {
  readonly lines: Line[] = [];
  readonly exited: Promise<number | null>;
  private stderr = '';
  private wake: () => void = () => undefined;

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    createInterface({input: child.stdout}).on('line', (text) => {
      // Every line on stdout must be one JSON object: a parse error fails the test.
      this.lines.push(JSON.parse(text) as Line);
      this.wake();
    });
    child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  }

  /** Resolves once the lines read so far satisfy `until`. */
  async waitFor(what: string, until: (lines: Line[]) => boolean): Promise<void> {
    const deadline = Date.now() + GUARD_MS;
    while (!until(this.lines)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} after ${GUARD_MS} ms; lines: ${JSON.stringify(this.lines)}; stderr: ${this.stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1000));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** The sum of `field` over the "batch" lines (of `kind`, when given). */
  batched(field: string, kind?: string): number {
    return this.lines.filter((l) => l.type === 'batch' && (kind === undefined || l.kind === kind)).reduce((n, l) => n + (l[field] as number), 0);
  }

  get errors(): string {
    return this.stderr;
  }
}

function follow(args: string[]): Follower {
  const child = spawn(process.execPath, [BIN_RUN, ...args, '--follow', '--json', '--catalog', catalogPath], {env: {...process.env, BONNIE_CONFIG: '/dev/null'}, stdio: ['pipe', 'pipe', 'pipe']});
  child.stdin.end();
  const follower = new Follower(child);
  followers.push(follower);
  return follower;
}

/** Queues into the test's catalog what Cyrus sent the lab after notification `after`, as the dealer would; returns how many. */
function feed(after: number): number {
  const rows = queryCatalog<{raw: Buffer; received_at: number}>(lab.catalog, 'SELECT raw, received_at FROM notification WHERE id > ? ORDER BY id', after);
  const catalog = openCatalog(catalogPath);
  try {
    new Ingester(catalog.db).ingest(rows.map((r) => ({raw: r.raw, receivedAt: r.received_at, source: 'stdin' as const})));
  } finally {
    catalog.close();
  }
  return rows.length;
}

const inFolder = (e: CapturedEvent) => e.event.mailbox?.name === `user.alice.${folder}`;
const appends = (es: CapturedEvent[]) => es.filter((e) => inFolder(e) && e.type === 'MessageAppend').length;
const message = (n: number) => testMessage({from: 'alice@lab.test', to: 'bob@lab.test', subject: `followed ${n}`, messageId: `follow-${stamp}-${n}@lab.test`, body: `Message ${n}, seen live.\r\n`});

describe('--follow --json on a live Cyrus', () => {
  it('process and collector write started, a batch line per committed batch as events arrive, and stopped on SIGTERM', async () => {
    openCatalog(catalogPath, {create: true}).close();
    const processor = follow(['process']);
    const collector = follow(['collector', '--spool', join(lab.dir, 'var/spool/mail'), '--archive', join(dir, 'archive'), '--no-index']);
    await processor.waitFor('"started" line from process', (ls) => ls.length > 0);
    await collector.waitFor('"started" line from collector', (ls) => ls.length > 0);
    expect(processor.lines[0]).toMatchObject({type: 'started', command: 'process', pid: processor.child.pid, catalog: catalogPath});
    expect(collector.lines[0]).toMatchObject({type: 'started', command: 'collector', pid: collector.child.pid, catalog: catalogPath});

    // Round 1: a folder and two messages APPENDed to it.
    let after = lastEventId(lab);
    const alice = await imapClient(lab, 'alice');
    await alice.mailboxCreate(`INBOX.${folder}`);
    await alice.append(`INBOX.${folder}`, message(1));
    await alice.append(`INBOX.${folder}`, message(2));
    await waitForEvents(lab, (es) => appends(es) === 2, {after});
    const first = feed(after);
    await processor.waitFor(`batch lines for the ${first} events of round 1`, () => processor.batched('jobs') === first);
    await collector.waitFor('batch lines for the 2 messages of round 1', () => collector.batched('jobs', 'messages') === 2);
    const processBatches = processor.lines.filter((l) => l.type === 'batch').length;

    // Round 2, while they run: one more message. New lines come without a restart.
    after = lastEventId(lab);
    await alice.append(`INBOX.${folder}`, message(3));
    await alice.logout();
    await waitForEvents(lab, (es) => appends(es) === 1, {after});
    const second = feed(after);
    await processor.waitFor(`batch lines for the ${second} events of round 2`, () => processor.batched('jobs') === first + second);
    await collector.waitFor('a batch line for the message of round 2', () => collector.batched('jobs', 'messages') === 3);
    expect(processor.lines.filter((l) => l.type === 'batch').length).toBeGreaterThan(processBatches);

    processor.child.kill('SIGTERM');
    collector.child.kill('SIGTERM');
    expect(await processor.exited, processor.errors).toBe(0);
    expect(await collector.exited, collector.errors).toBe(0);

    for (const f of [processor, collector]) {
      expect(f.lines.map((l) => l.type).every((t) => ['started', 'batch', 'warning', 'stopped'].includes(t))).toBe(true);
      expect(f.lines.filter((l) => l.type === 'started')).toHaveLength(1);
      expect(f.lines.filter((l) => l.type === 'stopped')).toHaveLength(1);
      expect(f.lines.at(-1)?.type).toBe('stopped');
    }
    expect(processor.lines.at(-1)).toMatchObject({done: first + second, failed: 0, dead: 0, remaining: 0});
    expect(processor.batched('done')).toBe(first + second);
    expect(processor.batched('failed') + processor.batched('dead')).toBe(0);
    const stopped = collector.lines.at(-1) as Line & {collected: number; alreadyStored: number};
    expect(stopped).toMatchObject({failed: 0, unrecoverable: 0, remaining: 0});
    expect(stopped.collected + stopped.alreadyStored).toBe(3);
    expect(collector.batched('collected', 'messages')).toBe(stopped.collected);
    // Nothing but the lines on stdout: no summary object after "stopped".
    expect(collector.lines.filter((l) => !('at' in l))).toEqual([]);
  });
});
