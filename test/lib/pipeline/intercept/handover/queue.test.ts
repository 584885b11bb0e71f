/**
 * The handover queue and its senders (issue 16, item 3), with a fake encoder (the PDU's bytes name its
 * LIID, destination and sequence number) and real sockets on loopback.
 */
import {createHash} from 'node:crypto';
import {readdirSync, readFileSync, statSync} from 'node:fs';
import {createServer, type Server, type Socket} from 'node:net';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../../src/lib/base/catalog/catalog.js';
import {FolderSender, pduFileName} from '../../../../../src/lib/pipeline/intercept/handover/folder-sender.js';
import {HandoverQueue, type Hi} from '../../../../../src/lib/pipeline/intercept/queue.js';
import {TcpSender} from '../../../../../src/lib/pipeline/intercept/handover/tcp-sender.js';
import {INTERCEPT_APPLICATION_ID, INTERCEPT_SCHEMA} from '../../../../../src/lib/pipeline/intercept/schema.js';
import {Warrants} from '../../../../../src/lib/pipeline/intercept/warrants.js';
import {useTempDirs} from '../../../../helpers/tmp.js';

const tempDir = useTempDirs();
const NOW = Date.parse('2026-12-07T12:00:00Z');
let store: Catalog;
let queue: HandoverQueue;
let interceptId: number;

beforeEach(() => {
  store = openCatalog(':memory:', {create: true, database: {applicationId: INTERCEPT_APPLICATION_ID, schema: INTERCEPT_SCHEMA}});
  const warrants = new Warrants(store.db);
  warrants.add({liid: 'LI-1', agency: 'BKA', authCountry: 'DE', deliveryCountry: 'DE', start: NOW, end: NOW + 86_400_000, delivery: {hi2: 'tcp://127.0.0.1:1', hi3: 'tcp://127.0.0.1:2'}, targets: []}, 'root', NOW);
  interceptId = warrants.idOf('LI-1') as number;
  queue = new HandoverQueue(store.db);
});
afterEach(() => store.close());

/** A PDU of the fake encoder: "<hi>:<seq>;" */
const fake = (hi: Hi) => ({interceptId, hi, encode: (seq: number) => Buffer.from(`${hi}:${seq};`)});

describe('the queue', () => {
  it('numbers from 0 per intercept and destination, in order, and moves the cursor with the PDUs', () => {
    expect(queue.cursor()).toBeUndefined();
    queue.enqueueEvent(7, [fake(2), fake(3)], NOW);
    queue.enqueueEvent(9, [fake(2)], NOW);
    expect(queue.cursor()).toBe(9);
    expect(queue.pending(interceptId, 2, 10).map((p) => [p.seq, p.eventId, p.pdu.toString()])).toEqual([[0, 7, '2:0;'], [1, 9, '2:1;']]);
    expect(queue.pending(interceptId, 3, 10).map((p) => p.pdu.toString())).toEqual(['3:0;']);
  });

  it('keeps nothing of an event whose encoding failed, and does not move the cursor past it', () => {
    queue.enqueueEvent(1, [fake(2)], NOW);
    const failing = {interceptId, hi: 2 as const, encode: () => {
      throw new Error('encoder broke');
    }};
    expect(() => queue.enqueueEvent(2, [fake(2), failing], NOW)).toThrow('encoder broke');
    expect(queue.cursor()).toBe(1);
    expect(queue.counts(interceptId, 2)).toEqual({queued: 1, delivered: 0});
  });

  it('commits a round of events at once; an event whose encoding fails is left out, said, and uses no number', () => {
    const failing = {interceptId, hi: 2 as const, encode: () => {
      throw new Error('encoder broke');
    }};
    const errors: number[] = [];
    const written = queue.enqueueEvents([{eventId: 1, items: [fake(2)]}, {eventId: 2, items: [fake(3), failing]}, {eventId: 3, items: []}, {eventId: 4, items: [fake(2), fake(3)]}], 5, NOW, (id) => errors.push(id));
    expect(written.map((p) => [p.eventId, p.hi, p.seq])).toEqual([[1, 2, 0], [4, 2, 1], [4, 3, 0]]);
    expect(errors).toEqual([2]);
    expect(queue.cursor()).toBe(5);
  });

  it('drops the bytes of PDUs delivered at or before the given time, oldest first, and keeps their length and SHA-256', () => {
    queue.enqueueEvent(1, [fake(2), fake(2), fake(2), fake(3)], NOW);
    queue.markManyDelivered(interceptId, 2, [0, 1], NOW);
    queue.markManyDelivered(interceptId, 3, [0], NOW + 10 * 86_400_000);
    // seq 2 of HI2 is not delivered: never purged, however old.
    expect(queue.purgeDelivered(NOW + 86_400_000, NOW + 2 * 86_400_000, 1)).toBe(1);
    expect(queue.purgeDelivered(NOW + 86_400_000, NOW + 2 * 86_400_000, 10)).toBe(1);
    expect(queue.purgeDelivered(NOW + 86_400_000, NOW + 2 * 86_400_000, 10)).toBe(0);
    const rows = store.db.prepare('SELECT hi, seq, length(pdu) AS bytes, size, hex(sha256) AS sha256, purged_at FROM intercept_pdu ORDER BY hi, seq').all();
    expect(rows).toEqual([
      {hi: 2, seq: 0, bytes: 0, size: 4, sha256: createHash('sha256').update('2:0;').digest('hex').toUpperCase(), purged_at: NOW + 2 * 86_400_000},
      {hi: 2, seq: 1, bytes: 0, size: 4, sha256: createHash('sha256').update('2:1;').digest('hex').toUpperCase(), purged_at: NOW + 2 * 86_400_000},
      {hi: 2, seq: 2, bytes: 4, size: null, sha256: '', purged_at: null},
      {hi: 3, seq: 0, bytes: 4, size: null, sha256: '', purged_at: null},
    ]);
    expect(queue.pending(interceptId, 2, 10).map((p) => p.pdu.toString())).toEqual(['2:2;']);
  });

  it('says where a destination stands: queued, delivered, waiting since when, last handed over when', () => {
    expect(queue.state(interceptId, 2)).toEqual({queued: 0, delivered: 0, waiting: 0, waitingSince: null, lastDeliveredAt: null});
    queue.enqueueEvent(1, [fake(2), fake(2)], NOW);
    queue.enqueueEvent(2, [fake(2)], NOW + 1000);
    expect(queue.state(interceptId, 2)).toEqual({queued: 3, delivered: 0, waiting: 3, waitingSince: NOW, lastDeliveredAt: null});
    queue.markManyDelivered(interceptId, 2, [0, 1], NOW + 5000);
    expect(queue.state(interceptId, 2)).toEqual({queued: 3, delivered: 2, waiting: 1, waitingSince: NOW + 1000, lastDeliveredAt: NOW + 5000});
    queue.markManyDelivered(interceptId, 2, [2], NOW + 6000);
    expect(queue.state(interceptId, 2)).toEqual({queued: 3, delivered: 3, waiting: 0, waitingSince: null, lastDeliveredAt: NOW + 6000});
    expect(queue.state(interceptId, 3).queued).toBe(0);
  });

  it('never gives a delivered PDU again', () => {
    queue.enqueueEvent(1, [fake(2), fake(2), fake(2)], NOW);
    queue.markDelivered(interceptId, 2, 0, NOW);
    queue.markDelivered(interceptId, 2, 1, NOW);
    queue.markDelivered(interceptId, 2, 1, NOW + 5);
    expect(queue.pending(interceptId, 2, 10).map((p) => p.seq)).toEqual([2]);
    expect(queue.counts(interceptId, 2)).toEqual({queued: 3, delivered: 2});
    expect(queue.hasPending(interceptId, 2)).toBe(true);
    queue.markDelivered(interceptId, 2, 2, NOW);
    expect(queue.hasPending(interceptId, 2)).toBe(false);
    expect(queue.hasPending(interceptId, 3)).toBe(false);
  });
});

/** A receiver on loopback: what it read, by connection. */
class Receiver {
  server: Server | undefined;
  connections: Buffer[][] = [];
  sockets: Socket[] = [];
  port = 0;

  async listen(port = 0): Promise<void> {
    this.server = createServer((socket) => {
      const chunks: Buffer[] = [];
      this.connections.push(chunks);
      this.sockets.push(socket);
      socket.on('data', (d) => chunks.push(d));
      // The sender resets the connection when it gives up on it: expected here.
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    this.port = (this.server?.address() as {port: number}).port;
  }

  /** Closes the listener and every connection (FIN). */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.end();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  text(): string {
    return this.connections.map((c) => Buffer.concat(c).toString()).join('');
  }
}

const until = async (check: () => boolean, ms = 10_000) => {
  for (const end = Date.now() + ms; !check(); ) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('the TCP sender', () => {
  it('sends the queue in order, marks each delivered, and sends what is enqueued later when woken', async () => {
    const receiver = new Receiver();
    await receiver.listen();
    queue.enqueueEvent(1, [fake(2), fake(2)], NOW);
    const sender = new TcpSender({url: `tcp://127.0.0.1:${receiver.port}`, queue, interceptId, hi: 2, keepAlive: {frequencyMs: 0, waitMs: 0}, encodeKeepAlive: () => Buffer.from('KA;')});
    sender.start();
    await until(() => receiver.text() === '2:0;2:1;');
    queue.enqueueEvent(2, [fake(2)], NOW);
    sender.wake();
    await until(() => receiver.text() === '2:0;2:1;2:2;');
    await until(() => queue.counts(interceptId, 2).delivered === 3);
    await sender.close();
    await receiver.stop();
  });

  it('waits for an agency that is down, then delivers everything in order, once', async () => {
    const receiver = new Receiver();
    await receiver.listen();
    const port = receiver.port;
    const events: string[] = [];
    const sender = new TcpSender({url: `tcp://127.0.0.1:${port}`, queue, interceptId, hi: 3, keepAlive: {frequencyMs: 0, waitMs: 0}, encodeKeepAlive: () => Buffer.from('KA;'), onEvent: (e) => events.push(e.kind)});
    queue.enqueueEvent(1, [fake(3)], NOW);
    sender.start();
    await until(() => receiver.text() === '3:0;');
    await receiver.stop();
    await until(() => events.includes('disconnected'));
    // Handed over as serve does: while the agency is down they wait in the store, and are sent from there.
    for (let id = 2; id <= 5; id++) sender.wake(queue.enqueueEvent(id, [fake(3)], NOW));
    await new Promise((r) => setTimeout(r, 300));
    expect(queue.counts(interceptId, 3).delivered).toBe(1);
    const back = new Receiver();
    await back.listen(port);
    await until(() => back.text() === '3:1;3:2;3:3;3:4;');
    expect(receiver.text() + back.text()).toBe('3:0;3:1;3:2;3:3;3:4;');
    expect(queue.counts(interceptId, 3)).toEqual({queued: 5, delivered: 5});
    await sender.close();
    await back.stop();
  });

  it('sends the PDUs handed over as they are queued without reading them back, in order, once', async () => {
    const receiver = new Receiver();
    await receiver.listen();
    queue.enqueueEvent(1, [fake(2), fake(2)], NOW);
    const reads: number[] = [];
    const pending = queue.pending.bind(queue);
    queue.pending = (...args: Parameters<typeof queue.pending>) => {
      const batch = pending(...args);
      reads.push(batch.length);
      return batch;
    };
    const sender = new TcpSender({url: `tcp://127.0.0.1:${receiver.port}`, queue, interceptId, hi: 2, keepAlive: {frequencyMs: 0, waitMs: 0}, encodeKeepAlive: () => Buffer.from('KA;')});
    sender.start();
    // The backlog comes from the store; once it is sent, what is handed over follows it.
    await until(() => queue.counts(interceptId, 2).delivered === 2);
    const readsBefore = reads.length;
    for (let id = 2; id <= 40; id++) sender.wake(queue.enqueueEvent(id, [fake(2), fake(2)], NOW));
    await until(() => queue.counts(interceptId, 2).delivered === 80);
    expect(receiver.text()).toBe(Array.from({length: 80}, (_, seq) => `2:${seq};`).join(''));
    expect(reads.slice(readsBefore)).toEqual([]);
    await sender.close();
    await receiver.stop();
  });

  it('after a backlog larger than a batch, sends it all from the store before what is handed over', async () => {
    const receiver = new Receiver();
    await receiver.listen();
    const sender = new TcpSender({url: `tcp://127.0.0.1:${receiver.port}`, queue, interceptId, hi: 2, keepAlive: {frequencyMs: 0, waitMs: 0}, encodeKeepAlive: () => Buffer.from('KA;')});
    sender.start();
    sender.wake(queue.enqueueEvent(1, [fake(2)], NOW));
    await until(() => queue.counts(interceptId, 2).delivered === 1);
    // Queued but not handed over (woken without them), more than one batch; then some handed over.
    for (let id = 2; id <= 151; id++) queue.enqueueEvent(id, [fake(2)], NOW);
    sender.wake();
    sender.wake(queue.enqueueEvent(152, [fake(2), fake(2)], NOW));
    await until(() => queue.counts(interceptId, 2).delivered === 153);
    expect(receiver.text()).toBe(Array.from({length: 153}, (_, seq) => `2:${seq};`).join(''));
    await sender.close();
    await receiver.stop();
  });

  it('sends keep-alives when idle, and reconnects when one is not answered', async () => {
    const receiver = new Receiver();
    await receiver.listen();
    const events: string[] = [];
    const sender = new TcpSender({url: `tcp://127.0.0.1:${receiver.port}`, queue, interceptId, hi: 2, keepAlive: {frequencyMs: 50, waitMs: 100}, encodeKeepAlive: () => Buffer.from('KA;'), onEvent: (e) => events.push(e.kind)});
    sender.start();
    await until(() => receiver.text().startsWith('KA;'));
    await until(() => events.includes('disconnected') && receiver.connections.length >= 2);
    await sender.close();
    await receiver.stop();
  });

  it('keeps the connection when the agency answers its keep-alives', async () => {
    const receiver = new Receiver();
    await receiver.listen();
    receiver.server?.on('connection', (socket) => socket.on('data', () => socket.write('ok')));
    const events: string[] = [];
    const sender = new TcpSender({url: `tcp://127.0.0.1:${receiver.port}`, queue, interceptId, hi: 2, keepAlive: {frequencyMs: 30, waitMs: 1000}, encodeKeepAlive: () => Buffer.from('KA;'), onEvent: (e) => events.push(e.kind)});
    sender.start();
    await until(() => receiver.text().split('KA;').length > 4);
    expect(events).toEqual(['connected']);
    await sender.close();
    await receiver.stop();
  });
});

describe('the folder sender', () => {
  it('writes one file per PDU, 0600, named by LIID, destination and sequence number, and marks them delivered', () => {
    const folder = join(tempDir(), 'LI-1');
    queue.enqueueEvent(1, [fake(2), fake(3), fake(2)], NOW);
    new FolderSender({folder, liid: 'LI-1', queue, interceptId, hi: 2}).wake();
    new FolderSender({folder, liid: 'LI-1', queue, interceptId, hi: 3}).wake();
    expect(readdirSync(folder).sort()).toEqual([pduFileName('LI-1', 3, 0), pduFileName('LI-1', 2, 0), pduFileName('LI-1', 2, 1)].sort());
    expect(pduFileName('LI-1', 2, 1)).toBe('LI-1-IRI-000000000001.ber');
    expect(readFileSync(join(folder, 'LI-1-IRI-000000000001.ber'), 'utf8')).toBe('2:1;');
    expect(statSync(join(folder, 'LI-1-CC-000000000000.ber')).mode & 0o777).toBe(0o600);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    expect(queue.pending(interceptId, 2, 10)).toEqual([]);
  });
});
