import {describe, expect, it} from 'vitest';
import {Progress, progressRows, type ProgressSink} from '../../../src/lib/cli/progress.js';

/** A sink that keeps what it was asked to draw, as a terminal would show it last. */
function fakeSink(): ProgressSink & {shown: Array<{title: string; rows: Array<readonly [string, string]>}>; finished: number} {
  const sink = {
    shown: [] as Array<{title: string; rows: Array<readonly [string, string]>}>,
    finished: 0,
    update(title: string, rows: ReadonlyArray<readonly [string, string]>) {
      sink.shown.push({title, rows: [...rows]});
    },
    done() {
      sink.finished++;
    },
  };
  return sink;
}

describe('progress', () => {
  it('shows done of total with the percentage, the rate, the bytes and the folder', () => {
    let now = 1_000;
    const sink = fakeSink();
    const progress = new Progress(sink, () => now);
    progress.report({title: 'Collecting messages', done: 0, total: 5000, unit: 'messages', bytes: 0, folder: 'user.alice'});
    now += 2_000;
    progress.report({title: 'Collecting messages', done: 1200, total: 5000, unit: 'messages', bytes: 6_000_000, folder: 'user.alice.Sent'});
    expect(sink.shown.at(-1)).toEqual({
      title: 'Collecting messages',
      rows: [
        ['messages', '1,200 of 5,000 (24%)'],
        ['bytes', '6.0 MB'],
        ['rate', '600 messages/s, 3.0 MB/s'],
        ['folder', 'user.alice.Sent'],
      ],
    });
  });

  it('without a total, shows the count alone; rows of the command come last', () => {
    expect(progressRows({title: 'Exporting', done: 42, unit: 'messages', rows: [['failed', '1']]}, 1000)).toEqual([
      ['messages', '42'],
      ['rate', '42 messages/s'],
      ['failed', '1'],
    ]);
  });

  it('measures the first rate from the start of the work, not from the first report', () => {
    let now = 0;
    const sink = fakeSink();
    const progress = new Progress(sink, () => now);
    now = 2_000; // the first batch took two seconds
    progress.report({title: 'Processing events', done: 1000, total: 3000, unit: 'events'});
    expect(sink.shown.at(-1)?.rows).toContainEqual(['rate', '500 events/s']);
  });

  it('measures the rate of a new phase from its start, not from the first phase', () => {
    let now = 0;
    const sink = fakeSink();
    const progress = new Progress(sink, () => now);
    progress.report({title: 'Refreshing flags and folders', done: 0, total: 10, unit: 'places'});
    now = 10_000;
    progress.report({title: 'Indexing archived mail', done: 0, total: 100, unit: 'messages'});
    now = 11_000;
    progress.report({title: 'Indexing archived mail', done: 50, total: 100, unit: 'messages'});
    expect(sink.shown.at(-1)?.rows).toContainEqual(['rate', '50 messages/s']);
  });

  it('never shows more than 100% when more arrived than were counted at the start', () => {
    expect(progressRows({title: 'Processing events', done: 1500, total: 1000, unit: 'events'}, 1000)[0]).toEqual(['events', '1,500 of 1,000 (100%)']);
  });

  it('done() leaves the last report to the sink', () => {
    const sink = fakeSink();
    const progress = new Progress(sink);
    progress.report({title: 'Restoring', done: 1, unit: 'messages'});
    progress.done();
    expect(sink.finished).toBe(1);
  });
});
