/** `bonnie quarantine list|show|requeue|ack` on an in-memory catalog. */
import {createHash} from 'node:crypto';
import {beforeEach, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {Ingester} from '../../../../src/lib/pipeline/queue/ingest.js';
import {acknowledgeQuarantined, countNeedingReview, listQuarantine, requeueQuarantined, showQuarantined} from '../../../../src/lib/pipeline/queue/quarantine.js';
import {escapeForTerminal, renderQuarantined} from '../../../../src/lib/pipeline/queue/render.js';

let catalog: Catalog;
let ingester: Ingester;
const NOW = Date.parse('2026-03-04T12:00:00.000Z');
const LOGIN = '{"event":"Login","timestamp":"2026-03-04T11:00:00.000Z","user":"alice"}';

/** A quarantine row as an older bonnie left it: bytes it refused that today's code accepts. */
function quarantineAsOlderBonnie(raw: Uint8Array, source: string, reason: string, at: number): number {
  const sha = createHash('sha256').update(raw).digest();
  catalog.db.prepare('INSERT INTO quarantine (sha256, raw, received_at, source, error, last_delivered_at) VALUES (?, ?, ?, ?, ?, ?)').run(sha, raw, at, source, reason, at);
  return (catalog.db.prepare<[Buffer], {id: number}>('SELECT id FROM quarantine WHERE sha256 = ?').get(sha) as {id: number}).id;
}

/** Cyrus' notify datagram for an event (capture/datagram.ts). */
const datagram = (json: string) => Buffer.concat([Buffer.from('external\0EVENT\0\0\0\0' + '0\0'), Buffer.from(json), Buffer.from([0])]);

const jobs = () => catalog.db.prepare<[], {id: number; raw: string; received_at: number; source: string; state: string}>('SELECT n.id, CAST(n.raw AS TEXT) AS raw, n.received_at, n.source, j.state FROM notification n JOIN job j ON j.notification_id = n.id ORDER BY n.id').all();

beforeEach(() => {
  catalog = openCatalog(':memory:', {create: true});
  ingester = new Ingester(catalog.db);
});

describe('requeueQuarantined', () => {
  it('queues bytes a fixed bonnie now accepts, with their original time and source, and marks the delivery requeued', () => {
    const id = quarantineAsOlderBonnie(Buffer.from(`${LOGIN}\n`), 'notify_external', 'an older bug', NOW - 60_000);
    expect(countNeedingReview(catalog.db)).toBe(1);
    const [outcome] = requeueQuarantined(catalog.db, [id], {actor: 'root (sudo by alice)', reason: 'fixed in 0.2', now: NOW});
    expect(outcome).toEqual({id, outcome: 'requeued', queued: [1], alreadyQueued: [], problems: []});
    expect(jobs()).toEqual([{id: 1, raw: LOGIN, received_at: NOW - 60_000, source: 'notify_external', state: 'pending'}]);
    expect(countNeedingReview(catalog.db)).toBe(0);

    const shown = showQuarantined(catalog.db, id);
    expect(shown).toMatchObject({resolution: 'requeued', resolvedAt: new Date(NOW).toISOString(), resolvedBy: 'root (sudo by alice)', needsReview: false, reason: 'an older bug'});
    expect(shown.raw.toString()).toBe(`${LOGIN}\n`); // evidence: the bytes as they came
    expect(shown.actions.map((a) => [a.action, a.notificationId, a.detail, a.reason])).toEqual([
      ['quarantine-requeue', 1, 'queued as notification 1 (Login)', 'fixed in 0.2'],
      ['quarantine-requeue', null, 'judged again: every line is a valid event; 1 queued', 'fixed in 0.2'],
    ]);

    // Again: nothing is stored twice.
    expect(requeueQuarantined(catalog.db, [id], {actor: 'cyrus', now: NOW + 1})[0]).toMatchObject({outcome: 'requeued', queued: [], alreadyQueued: [1]});
    expect(jobs()).toHaveLength(1);
  });

  it('decodes a datagram from the notify socket first, as capture does', () => {
    const id = quarantineAsOlderBonnie(datagram(LOGIN), 'notify_socket', 'an older decoder', NOW - 1000);
    expect(requeueQuarantined(catalog.db, [id], {actor: 'cyrus', now: NOW})[0]).toMatchObject({outcome: 'requeued', queued: [1]});
    expect(jobs()[0]).toMatchObject({raw: LOGIN, source: 'notify_socket'});
  });

  it('keeps a delivery that is still not valid, queueing nothing twice, and says why', () => {
    ingester.ingest([{raw: Buffer.from(`${LOGIN}\nnot json\n`), receivedAt: NOW - 1000, source: 'stdin'}]);
    expect(jobs()).toHaveLength(1); // its valid line was queued when it arrived
    const [outcome] = requeueQuarantined(catalog.db, [1], {actor: 'cyrus', now: NOW});
    expect(outcome).toMatchObject({outcome: 'still-invalid', queued: [], alreadyQueued: [1]});
    expect(outcome?.problems).toEqual([expect.stringMatching(/^line 2: notification is not JSON/)]);
    expect(showQuarantined(catalog.db, 1)).toMatchObject({resolution: null, needsReview: true});
    expect(jobs()).toHaveLength(1);
  });

  it('changes nothing when an id does not exist', () => {
    const id = quarantineAsOlderBonnie(Buffer.from(LOGIN), 'stdin', 'old', NOW);
    expect(() => requeueQuarantined(catalog.db, [id, 42], {actor: 'cyrus', now: NOW})).toThrow(expect.objectContaining({code: 'QuarantineNotFound', exit: 2}));
    expect(jobs()).toEqual([]);
    expect(() => showQuarantined(catalog.db, 42)).toThrow(expect.objectContaining({code: 'QuarantineNotFound'}));
  });
});

describe('acknowledgeQuarantined and review', () => {
  it('stops asking for review until the same bytes arrive again', () => {
    ingester.ingest([{raw: Buffer.from('GET / HTTP/1.0\r\n'), receivedAt: NOW - 5000, source: 'stdin'}]);
    expect(listQuarantine(catalog.db, {limit: 10})).toMatchObject({needingReview: 1, total: 1, deliveries: [{id: 1, source: 'stdin', size: 16, deliveries: 1, needsReview: true}]});
    expect(acknowledgeQuarantined(catalog.db, [1], {actor: 'alice', reason: 'a probe', now: NOW})).toEqual([{id: 1, acknowledged: true, was: null}]);
    expect(acknowledgeQuarantined(catalog.db, [1], {actor: 'alice', now: NOW})).toEqual([{id: 1, acknowledged: false, was: 'acknowledged'}]);
    expect(listQuarantine(catalog.db, {limit: 10})).toMatchObject({needingReview: 0, total: 1, deliveries: []});
    expect(listQuarantine(catalog.db, {all: true, limit: 10}).deliveries).toMatchObject([{id: 1, resolution: 'acknowledged', resolvedBy: 'alice'}]);

    ingester.ingest([{raw: Buffer.from('GET / HTTP/1.0\r\n'), receivedAt: NOW + 1000, source: 'stdin'}]);
    expect(listQuarantine(catalog.db, {limit: 10}).deliveries).toMatchObject([{id: 1, deliveries: 2, resolution: 'acknowledged', needsReview: true}]);
  });

  it('keeps the quarantined bytes and reason unchangeable', () => {
    ingester.ingest([{raw: Buffer.from('x'), receivedAt: NOW, source: 'stdin'}]);
    expect(() => catalog.db.prepare("UPDATE quarantine SET raw = X'00'").run()).toThrow(/cannot be changed/);
    expect(() => catalog.db.prepare("UPDATE quarantine SET error = 'nothing'").run()).toThrow(/cannot be changed/);
  });
});

describe('escapeForTerminal', () => {
  it('keeps text and line breaks, escapes controls, bidi overrides, bad UTF-8 and backslashes', () => {
    const bytes = Buffer.concat([Buffer.from('héllo\tworld\r\n\x1b[2J\\ \u202egnp.exe\x7f'), Buffer.from([0xc3, 0x28, 0xff, 0xed, 0xa0, 0x80]), Buffer.from('€\u0085')]);
    expect(escapeForTerminal(bytes)).toBe('héllo\\tworld\\r\n\\x1b[2J\\\\ \\u{202e}gnp.exe\\x7f\\xc3(\\xff\\xed\\xa0\\x80€\\u{85}');
  });

  it('is what show prints: no byte of the delivery reaches the terminal raw', () => {
    ingester.ingest([{raw: Buffer.from('\x1b]0;owned\x07\n'), receivedAt: NOW, source: 'stdin'}]);
    const text = renderQuarantined(showQuarantined(catalog.db, 1));
    expect(text).toContain('\\x1b]0;owned\\x07');
    // eslint-disable-next-line no-control-regex -- the test is that no control character but the line feed is printed
    expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
  });
});
