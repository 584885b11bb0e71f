import {readFileSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {beforeEach, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {Ingester, splitLines, type Delivery} from '../../../../src/lib/pipeline/queue/ingest.js';
import {SPECIMENS} from '../../../helpers/paths.js';

let catalog: Catalog;
beforeEach(() => {
  catalog = openCatalog(':memory:', {create: true});
});

const delivery = (raw: string | Uint8Array, receivedAt = 1000): Delivery => ({raw: typeof raw === 'string' ? Buffer.from(raw) : raw, receivedAt, source: 'stdin'});
const count = (table: string) => (catalog.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as {n: number}).n;
const login = readFileSync(join(SPECIMENS, '01-Login.json'));

describe('splitLines', () => {
  it('splits on newlines, drops blank lines and a trailing CR', () => {
    const lines = splitLines(Buffer.from('a\r\n\n  \nb\nc'));
    expect(lines.map(({line, number}) => [Buffer.from(line).toString(), number])).toEqual([
      ['a', 1],
      ['b', 4],
      ['c', 5],
    ]);
  });
});

describe('Ingester', () => {
  it('queues every specimen as a pending job with its type and mailbox id', () => {
    const files = readdirSync(SPECIMENS).filter((f) => f.endsWith('.json')).sort();
    const summary = new Ingester(catalog.db).ingest(files.map((f) => delivery(readFileSync(join(SPECIMENS, f)))));
    expect(summary).toEqual({queued: files.length, duplicates: 0, quarantined: 0, unknownTypes: []});
    const rows = catalog.db.prepare<[], {event_type: string; state: string}>('SELECT n.event_type, j.state FROM notification n JOIN job j ON j.notification_id = n.id ORDER BY n.id').all();
    expect(rows.map((r) => r.event_type)).toEqual(files.map((f) => f.replace(/^\d+-/, '').replace(/\.json$/, '')));
    expect(new Set(rows.map((r) => r.state))).toEqual(new Set(['pending']));
    const copy = catalog.db.prepare<[], {mailbox_id: string; event_time: string}>("SELECT mailbox_id, event_time FROM notification WHERE event_type = 'vnd.cmu.MessageCopy'").get();
    expect(copy).toEqual({mailbox_id: '8ebtmyxwubx2tgm3yxhzqbcl', event_time: '2026-11-22T11:54:10.859Z'});
  });

  it('takes the verdicts a producer already made (the socket dealer) instead of parsing each line again', () => {
    const judged = {...delivery(login), verdicts: [{ok: true as const, type: 'JudgedEarlier', known: false, time: undefined, mailboxId: undefined}]};
    expect(new Ingester(catalog.db).ingest([judged]).unknownTypes).toEqual(['JudgedEarlier']);
    expect(catalog.db.prepare<[], {event_type: string}>('SELECT event_type FROM notification').all()).toEqual([{event_type: 'JudgedEarlier'}]);
  });

  it('stores the bytes exactly as received, without the framing newline', () => {
    new Ingester(catalog.db).ingest([delivery(login)]);
    const row = catalog.db.prepare<[], {raw: Buffer; received_at: number; source: string}>('SELECT raw, received_at, source FROM notification').get();
    expect(row?.raw.equals(login.subarray(0, login.length - (login.at(-1) === 0x0a ? 1 : 0)))).toBe(true);
    expect(row?.received_at).toBe(1000);
    expect(row?.source).toBe('stdin');
  });

  it('records a byte-identical delivery once, with a delivery count', () => {
    const ingester = new Ingester(catalog.db);
    ingester.ingest([delivery(login, 1000)]);
    const second = ingester.ingest([delivery(login, 2000)]);
    expect(second.duplicates).toBe(1);
    expect(count('notification')).toBe(1);
    expect(count('job')).toBe(1);
    expect(catalog.db.prepare('SELECT deliveries, received_at, last_delivered_at FROM notification').get()).toEqual({deliveries: 2, received_at: 1000, last_delivered_at: 2000});
  });

  it.each([
    ['malformed JSON', Buffer.from('{"event":"Login",'), /JSON/i],
    ['a JSON array', Buffer.from('[1,2]'), /object/i],
    ['an object without an event name', Buffer.from('{"user":"alice"}'), /event/i],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x65, 0xff, 0xfe, 0x22, 0x7d]), /UTF-8/],
    ['empty input', Buffer.alloc(0), /empty/],
    ['only blank lines', Buffer.from('\n \n'), /blank/],
  ])('quarantines %s with the reason and the exact bytes', (_name, raw, reason) => {
    const summary = new Ingester(catalog.db).ingest([delivery(raw)]);
    expect(summary.quarantined).toBe(1);
    expect(count('notification')).toBe(0);
    const row = catalog.db.prepare<[], {raw: Buffer; error: string}>('SELECT raw, error FROM quarantine').get();
    expect(row?.error).toMatch(reason);
    expect(row?.raw.equals(raw)).toBe(true);
  });

  it('queues the valid lines of a mixed delivery and quarantines the whole delivery, naming the bad line', () => {
    const raw = Buffer.concat([login, Buffer.from('not json\r\n')]);
    const summary = new Ingester(catalog.db).ingest([delivery(raw)]);
    expect(summary).toMatchObject({queued: 1, quarantined: 1});
    const row = catalog.db.prepare<[], {raw: Buffer; error: string}>('SELECT raw, error FROM quarantine').get();
    expect(row?.raw.equals(raw)).toBe(true);
    expect(row?.error).toMatch(/^line 2: .*JSON/i);
  });

  it('keeps and reports an event of unknown type', () => {
    const summary = new Ingester(catalog.db).ingest([delivery('{"event":"vnd.example.Future","timestamp":"2026-11-22T11:53:57.094Z"}')]);
    expect(summary.unknownTypes).toEqual(['vnd.example.Future']);
    expect(summary.queued).toBe(1);
  });

  it('commits all deliveries of one call, or none', () => {
    const ingester = new Ingester(catalog.db);
    expect(() =>
      ingester.ingest([delivery(login)], () => {
        throw new Error('refused');
      }),
    ).toThrow('refused');
    expect(count('notification')).toBe(0);
  });
});
