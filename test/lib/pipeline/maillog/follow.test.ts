/**
 * `bonnie maillog --follow` through a rotation: lines written to the old file after logrotate renamed it
 * (before the logger reopened) are read, the new file is read from its start, and nothing is read twice.
 * Real files in a temporary folder; the loop stops on a signal the test sends itself.
 */
import {appendFileSync, renameSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {followMaillogs, type MaillogBatchLine} from '../../../../src/lib/pipeline/maillog/follow.js';
import {TransportReader} from '../../../../src/lib/pipeline/maillog/transport-reader.js';
import {useTempDirs} from '../../../helpers/tmp.js';

const tempDir = useTempDirs();
let catalog: Catalog;

beforeEach(() => {
  catalog = openCatalog(':memory:', {create: true});
});
afterEach(() => catalog.close());

/** Postfix's lines for one message with queue ID `id`, received and delivered. */
function message(id: string, n: number): string {
  return [
    `Dec  7 10:00:0${n} mx postfix/smtpd[1]: ${id}: client=a.example[192.0.2.1]`,
    `Dec  7 10:00:0${n} mx postfix/cleanup[2]: ${id}: message-id=<m${n}@example.org>`,
    `Dec  7 10:00:0${n} mx postfix/qmgr[3]: ${id}: from=<s@example.org>, size=100, nrcpt=1 (queue active)`,
    `Dec  7 10:00:0${n} mx postfix/lmtp[4]: ${id}: to=<u@example.org>, relay=127.0.0.1[127.0.0.1]:24, delay=0.1, delays=0/0/0/0.1, dsn=2.1.5, status=sent (250 2.1.5 Ok SESSIONID=<s-${n}>)`,
    `Dec  7 10:00:0${n} mx postfix/qmgr[3]: ${id}: removed`,
  ]
    .map((l) => `${l}\n`)
    .join('');
}

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('bonnie maillog --follow', () => {
  it('reads a file as it grows, through a rotation, each line once', async () => {
    const dir = tempDir();
    const log = join(dir, 'mail.log');
    writeFileSync(log, message('1A2B3C4D51', 1));
    const batches: MaillogBatchLine[] = [];
    const transport = new TransportReader(catalog.db);
    const entries = () => transport.counts().entries;
    const done = followMaillogs(catalog.db, ':memory:', [log], {
      signals: ['SIGUSR2'],
      onLine: (line) => {
        if (line.type === 'batch') batches.push(line);
      },
    });
    await until('the first message', () => entries() === 1);

    appendFileSync(log, message('1A2B3C4D52', 2));
    await until('a line appended', () => entries() === 2);

    // logrotate: rename, the logger writes one more message to the old file, then a new file appears.
    renameSync(log, `${log}.1`);
    appendFileSync(`${log}.1`, message('1A2B3C4D53', 3));
    writeFileSync(log, message('1A2B3C4D54', 4));
    await until('both files after the rotation', () => entries() === 4);
    appendFileSync(log, message('1A2B3C4D55', 5));
    await until('the new file growing', () => entries() === 5);

    process.kill(process.pid, 'SIGUSR2');
    const summary = await done;
    expect(summary.lines).toBe(25);
    expect(summary.unknown).toBe(0);
    expect(transport.counts()).toMatchObject({entries: 5, deliveries: 5});
    expect(batches.some((b) => b.rotated)).toBe(true);
    expect(['1A2B3C4D51', '1A2B3C4D53', '1A2B3C4D55'].map((q) => transport.byQueueId(q).length)).toEqual([1, 1, 1]);
  }, 60_000);
});
