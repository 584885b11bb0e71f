import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {BonnieError} from '../../../../src/lib/base/errors.js';
import {NoDirectory, type Directory} from '../../../../src/lib/sources/directory/types.js';
import {followQueue, type ProcessFollowListener} from '../../../../src/lib/pipeline/process/follow.js';
import type {FollowLine} from '../../../../src/lib/base/system/follow-lines.js';
import type {ProcessBatchLine} from '../../../../src/lib/pipeline/process/follow.js';
import type {ProcessSummary} from '../../../../src/lib/pipeline/process/engine.js';
import {deliver, variant} from '../../../helpers/record.js';

// A signal of the test's own: the loop listens for it as it would for SIGTERM, and nothing else does.
const STOP = 'SIGUSR2';
type Line = FollowLine<ProcessBatchLine, ProcessSummary>;

let catalog: Catalog;
beforeEach(() => {
  catalog = openCatalog(':memory:', {create: true});
});
afterEach(() => catalog.close());

/** Follows until `stopWhen` says so (checked at each line), then stops the loop as SIGTERM would. */
async function follow(directory: Directory, stopWhen: (lines: Line[]) => boolean, batchJobs = 2): Promise<Line[]> {
  const lines: Line[] = [];
  const onLine: ProcessFollowListener = (line) => {
    lines.push(line);
    if (stopWhen(lines)) process.emit(STOP);
  };
  await followQueue(catalog, directory, {spillDir: '/nonexistent', maxAttempts: 3, batchJobs}, {signals: [STOP], onLine});
  return lines;
}

describe('bonnie process --follow lines', () => {
  it('says started, a batch per committed batch with its counts, each event warning, then stopped with the summary', async () => {
    // Alice's Login with a timestamp that is not a date (applied, with a warning), then two more events.
    deliver(catalog.db, [variant(6, {timestamp: 'not a date'}), 15, 63]);
    const lines = await follow(new NoDirectory(), (ls) => ls.filter((l) => l.type === 'batch').reduce((n, l) => n + (l as ProcessBatchLine).jobs, 0) === 3);
    expect(lines.map((l) => l.type)).toEqual(['started', 'batch', 'warning', 'batch', 'stopped']);
    expect(lines[0]).toMatchObject({type: 'started', command: 'process', pid: process.pid, catalog: ':memory:'});
    expect(lines[1]).toMatchObject({type: 'batch', jobs: 2, done: 2, failed: 0, dead: 0, processed: 2});
    expect(lines[2]).toMatchObject({type: 'warning', notificationId: 1, event: 'Login'});
    expect(lines[3]).toMatchObject({type: 'batch', jobs: 1, done: 1, processed: 3});
    expect(lines[4]).toMatchObject({type: 'stopped', done: 3, failed: 0, dead: 0, remaining: 0});
    for (const line of lines) expect(Number.isNaN(Date.parse(line.at)), line.type).toBe(false);
  });

  it('counts a job that fails in its batch (a MailboxCreate without a mailbox)', async () => {
    deliver(catalog.db, [Buffer.from('{"event":"MailboxCreate","timestamp":"2026-11-22T11:53:57.598Z"}'), 6]);
    const lines = await follow(new NoDirectory(), (ls) => ls.some((l) => l.type === 'batch'));
    expect(lines.find((l) => l.type === 'batch')).toMatchObject({jobs: 2, done: 1, failed: 1, dead: 0});
  });

  it('warns once while the directory cannot answer, not at every retry', async () => {
    deliver(catalog.db, [6]);
    let asked = 0;
    const down: Directory = {
      description: 'down',
      lookUp: async () => {
        asked++;
        throw new BonnieError('DirectoryUnavailable', 'ldap://ldap.lab.test: connection refused');
      },
      close: async () => undefined,
    } as unknown as Directory;
    const lines: Line[] = [];
    const stopped = followQueue(catalog, down, {spillDir: '/nonexistent', maxAttempts: 3}, {signals: [STOP], onLine: (l) => lines.push(l)});
    // A second event while it waits (the first one is postponed): the next round asks again, and fails again.
    while (asked < 1) await new Promise((resolve) => setTimeout(resolve, 20));
    deliver(catalog.db, [15]);
    while (asked < 2) await new Promise((resolve) => setTimeout(resolve, 20));
    process.emit(STOP);
    await stopped;
    expect(lines.filter((l) => l.type === 'warning')).toEqual([expect.objectContaining({message: expect.stringContaining('connection refused')})]);
    expect(lines.filter((l) => l.type === 'batch')).toEqual([]);
    expect(lines.at(-1)).toMatchObject({type: 'stopped', done: 0, stoppedBecause: expect.stringContaining('connection refused')});
  });
});
