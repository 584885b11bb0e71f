/**
 * The capture journal and its drain into the queue, in-process: what the socket daemon's two threads do,
 * without the socket (test/e2e/dealer-listen.test.ts runs the daemon itself, test/chaos/capture-*.test.ts
 * kills it, fills its disk and floods it).
 */
import {appendFileSync, existsSync, readFileSync, readdirSync, truncateSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {encodeNotifyDatagram} from '../../../../src/lib/core/event/notify-datagram.js';
import {JournalDrain} from '../../../../src/lib/pipeline/capture/journal-drain.js';
import {deliveryFromDatagram} from '../../../../src/lib/pipeline/queue/datagram-delivery.js';
import {encodeRecord, JournalWriter, listJournals, readJournal} from '../../../../src/lib/pipeline/capture/journal.js';
import {SPECIMENS} from '../../../helpers/paths.js';
import {useTempDirs} from '../../../helpers/tmp.js';

const tempDir = useTempDirs();
const specimens = readdirSync(SPECIMENS).filter((f) => f.endsWith('.json')).sort();
/** A specimen as Cyrus hands it to notify(): the JSON without notify_external's newline. */
const specimen = (file: string) => readFileSync(join(SPECIMENS, file), 'utf8').trimEnd();
const newMessage = JSON.parse(specimen('65-MessageNew.json')) as Record<string, unknown>;
/** A distinct valid event per n (byte-identical events are stored once). */
const event = (n: number) => JSON.stringify({...newMessage, uri: `imap://imap.lab.test/user.alice;UIDVALIDITY=1795348438/;UID=${n + 1}`});

/** One bad datagram of each kind, made distinct by n. */
const badDatagrams = (n: number): Buffer[] => [
  encodeNotifyDatagram({message: event(n)}).subarray(0, -1 - (n % 30)), // truncated
  encodeNotifyDatagram({message: event(n)}).fill(0xff, 9, 10), // class not UTF-8
  Buffer.from(`external\0EVENT\0${n}\0`), // missing fields
  encodeNotifyDatagram({message: event(n)}).fill('x'.charCodeAt(0), 18, 19), // nopt "x"
  encodeNotifyDatagram({message: `{"event":"Login","n":${n},`}), // JSON invalid
  encodeNotifyDatagram({message: Buffer.concat([Buffer.from(`{"event":"Login","n":${n},"bad":"`), Buffer.from([0xc3, 0x28]), Buffer.from('"}')])}), // message not UTF-8
  encodeNotifyDatagram({class: 'SIEVE', method: 'mailto', options: ['mailto:a@b'], message: `You have mail ${n}`}), // not an event
  Buffer.from(`external\0EVENT\0\0\0\0${n + 1}\0only-${n}\0`), // fewer options than nopt says
  encodeNotifyDatagram({message: event(n), fname: 'f'}).subarray(0, -1), // fname without NUL
  encodeNotifyDatagram({message: `{"no":"event name","n":${n}}`}), // JSON, but not an event
];

describe('deliveryFromDatagram', () => {
  it('delivers the event JSON of a valid datagram, with source notify_socket', () => {
    const delivery = deliveryFromDatagram(encodeNotifyDatagram({message: specimen('01-Login.json')}), 1000);
    expect(delivery).toMatchObject({raw: Buffer.from(specimen('01-Login.json')), receivedAt: 1000, source: 'notify_socket'});
    expect(delivery.rejected).toBeUndefined();
    // The ingester takes this verdict instead of parsing the event a second time.
    expect(delivery.verdicts).toEqual([expect.objectContaining({ok: true, type: 'Login'})]);
  });

  it('rejects a bad datagram whole, with the reason', () => {
    const bytes = encodeNotifyDatagram({message: '{"event":"Login",'});
    const delivery = deliveryFromDatagram(bytes, 1000);
    expect(delivery.raw).toBe(bytes);
    expect(delivery.rejected).toMatch(/^message notification is not JSON/);
    expect(deliveryFromDatagram(encodeNotifyDatagram({class: 'MAIL', method: 'zephyr', message: 'new mail'}), 1).rejected).toMatch(/class "MAIL" \(method "zephyr"\) is not an event notification/);
    expect(deliveryFromDatagram(Buffer.alloc(0), 1).rejected).toBe('empty datagram');
    expect(deliveryFromDatagram(encodeNotifyDatagram({message: ''}), 1).rejected).toBe('empty message');
  });
});

function freshCatalog(dir: string): Catalog {
  return openCatalog(join(dir, 'catalog.db'), {create: true});
}

const rows = (catalog: Catalog, sql: string) => catalog.db.prepare(sql).all() as Array<Record<string, unknown>>;

describe('the capture journal', () => {
  it('reads back every record it wrote, byte for byte, with its receipt time, from any offset', () => {
    const dir = tempDir();
    const writer = new JournalWriter(dir);
    const payloads = specimens.map((f) => encodeNotifyDatagram({message: specimen(f)}));
    payloads.forEach((p, i) => writer.append(encodeRecord(p, 1000 + i)));
    writer.close();
    const [file] = listJournals(dir);
    const all = readJournal(file!.path, 0, 1000);
    expect(all.incomplete).toBe(false);
    expect(all.records.map((r) => r.bytes)).toEqual(payloads);
    expect(all.records.map((r) => r.receivedAt)).toEqual(payloads.map((_p, i) => 1000 + i));
    const rest = readJournal(file!.path, all.records[10]!.end, 1000);
    expect(rest.records.map((r) => r.bytes)).toEqual(payloads.slice(11));
  });

  it('stops before a torn record (a write cut short) and before a record whose bytes changed', () => {
    const dir = tempDir();
    const writer = new JournalWriter(dir);
    writer.append(encodeRecord(Buffer.from('one'), 1));
    writer.append(encodeRecord(Buffer.from('two'), 2));
    writer.close();
    const path = listJournals(dir)[0]!.path;
    const whole = readFileSync(path);
    truncateSync(path, whole.length - 2);
    const torn = readJournal(path, 0, 10);
    expect(torn.records.map((r) => r.bytes.toString())).toEqual(['one']);
    expect(torn.incomplete).toBe(true);
    const flipped = Buffer.from(whole);
    flipped.writeUInt8(flipped.readUInt8(flipped.length - 1) ^ 0x01, flipped.length - 1);
    writeFileSync(path, flipped);
    expect(readJournal(path, 0, 10)).toMatchObject({incomplete: true, records: [{bytes: Buffer.from('one')}]});
  });

  it('starts a new file past its size limit; files list oldest first', () => {
    const dir = tempDir();
    const writer = new JournalWriter(dir, 100);
    for (let i = 0; i < 10; i++) writer.append(encodeRecord(Buffer.alloc(40, i), i));
    writer.close();
    const files = listJournals(dir);
    expect(files.length).toBeGreaterThan(2);
    const payloads = files.flatMap((f) => readJournal(f.path, 0, 100).records.map((r) => r.bytes[0]));
    expect(payloads).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('JournalDrain', () => {
  it('queues every record exactly once, even when two drainers run over the same journal', () => {
    const dir = tempDir();
    const journal = join(dir, 'journal');
    const writer = new JournalWriter(journal);
    for (let n = 0; n < 500; n++) writer.append(encodeRecord(encodeNotifyDatagram({message: event(n)}), n));
    const catalog = freshCatalog(dir);
    const second = openCatalog(join(dir, 'catalog.db'));
    try {
      const first = new JournalDrain(catalog.db).drain(journal, {active: () => writer.path, maxRecords: 200});
      const other = new JournalDrain(second.db).drain(journal, {active: () => writer.path});
      const again = new JournalDrain(catalog.db).drain(journal, {active: () => writer.path});
      expect(first.records + other.records + again.records).toBe(500);
      expect(rows(catalog, 'SELECT count(*) AS n, sum(deliveries) AS d FROM notification')).toEqual([{n: 500, d: 500}]);
      expect(rows(catalog, "SELECT count(*) AS n FROM job WHERE state = 'pending'")).toEqual([{n: 500}]);
      // The file is still being written: it stays.
      expect(existsSync(writer.path as string)).toBe(true);
    } finally {
      second.close();
      catalog.close();
      writer.close();
    }
  });

  it('loses none of 100 valid events among 1,000 bad datagrams, and quarantines each bad one whole', () => {
    const dir = tempDir();
    const journal = join(dir, 'journal');
    const writer = new JournalWriter(journal);
    const bad: Buffer[] = [];
    for (let n = 0; n < 100; n++) {
      writer.append(encodeRecord(encodeNotifyDatagram({message: event(n)}), n));
      for (const datagram of badDatagrams(n)) {
        bad.push(datagram);
        writer.append(encodeRecord(datagram, n));
      }
    }
    writer.close();
    const catalog = freshCatalog(dir);
    try {
      const summary = new JournalDrain(catalog.db).drain(journal, {ownWriterStopped: true});
      expect(summary).toMatchObject({records: 1100, queued: 100, quarantined: 1000, removed: 1});
      expect(rows(catalog, 'SELECT raw FROM notification ORDER BY id').map((r) => (r.raw as Buffer).toString())).toEqual(Array.from({length: 100}, (_v, n) => event(n)));
      expect(rows(catalog, 'SELECT raw FROM quarantine ORDER BY id').map((r) => r.raw)).toEqual(bad);
      expect(listJournals(journal)).toEqual([]);
    } finally {
      catalog.close();
    }
  });

  it('quarantines the torn tail of a finished file, then removes the file', () => {
    const dir = tempDir();
    const journal = join(dir, 'journal');
    const writer = new JournalWriter(journal);
    writer.append(encodeRecord(encodeNotifyDatagram({message: event(1)}), 1));
    writer.close();
    const path = listJournals(journal)[0]!.path;
    const torn = encodeRecord(encodeNotifyDatagram({message: event(2)}), 2).subarray(0, 30);
    appendFileSync(path, torn);
    const catalog = freshCatalog(dir);
    try {
      const summary = new JournalDrain(catalog.db).drain(journal, {ownWriterStopped: true});
      expect(summary).toMatchObject({records: 1, queued: 1, tornTails: 1, removed: 1});
      expect(rows(catalog, 'SELECT raw, error FROM quarantine')).toEqual([{raw: Buffer.from(torn), error: expect.stringMatching(/last 30 byte\(s\) of a capture journal file are not a whole record/)}]);
      expect(existsSync(path)).toBe(false);
    } finally {
      catalog.close();
    }
  });

  it('quarantines a file in the journal folder that is not a journal, whole', () => {
    const dir = tempDir();
    const journal = join(dir, 'journal');
    new JournalWriter(journal).close();
    // No process has this pid (above Linux' pid_max): nobody writes the file any more.
    const stranger = join(journal, '0000000000001-99999999.journal');
    writeFileSync(stranger, 'not a journal at all');
    const catalog = freshCatalog(dir);
    try {
      new JournalDrain(catalog.db).drain(journal, {ownWriterStopped: true});
      expect(rows(catalog, 'SELECT raw FROM quarantine')).toEqual([{raw: Buffer.from('not a journal at all')}]);
      expect(existsSync(stranger)).toBe(false);
    } finally {
      catalog.close();
    }
  });
});
