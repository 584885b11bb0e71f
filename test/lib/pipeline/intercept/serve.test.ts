/**
 * `bonnie intercept serve`'s loop (issue 16, item 3) with a fake mapping and encoder: a PDU is the JSON of
 * its header and record, so the test reads back what was numbered and handed over. Real catalog and
 * interception store (in memory), real folder delivery.
 */
import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import type {BonnieEvent} from '../../../../src/lib/core/event/types.js';
import type {InterceptRecord, WatchedIntercept} from '../../../../src/lib/pipeline/intercept/handover/records.js';
import {HandoverQueue} from '../../../../src/lib/pipeline/intercept/queue.js';
import {INTERCEPT_APPLICATION_ID, INTERCEPT_SCHEMA} from '../../../../src/lib/pipeline/intercept/schema.js';
import {serveIntercepts, type InterceptCodec, type MessageSource, type ServeLine} from '../../../../src/lib/pipeline/intercept/serve.js';
import {Warrants} from '../../../../src/lib/pipeline/intercept/warrants.js';
import {Ingester} from '../../../../src/lib/pipeline/queue/ingest.js';
import {useTempDirs} from '../../../helpers/tmp.js';

const tempDir = useTempDirs();
const START = Date.parse('2026-12-07T12:00:00Z');
let store: Catalog;
let catalog: Catalog;
let received = 0;

beforeEach(() => {
  store = openCatalog(':memory:', {create: true, database: {applicationId: INTERCEPT_APPLICATION_ID, schema: INTERCEPT_SCHEMA}});
  catalog = openCatalog(':memory:', {create: true});
  received = START;
});
afterEach(() => {
  store.close();
  catalog.close();
});

/** Commits a notification as capture would, received one second after the previous one. */
function capture(event: Record<string, unknown>): void {
  received += 1000;
  new Ingester(catalog.db).ingest([{raw: Buffer.from(JSON.stringify({timestamp: new Date(received).toISOString(), ...event})), receivedAt: received, source: 'stdin'}]);
}

/** The fake mapping: any event of a target's own mailbox or session gives an IRI; a MessageNew a CC too. */
const codec: InterceptCodec = {
  mapEvent: (event: BonnieEvent, intercepts: readonly WatchedIntercept[]) => {
    const at = Date.parse(event.timestamp as string);
    const out: InterceptRecord[] = [];
    for (const i of intercepts) {
      const end = Math.min(i.end, i.endedAt ?? Number.POSITIVE_INFINITY);
      if (at < i.start || at >= end || !i.targets.some((t) => t.login === (event.owner ?? event.user))) continue;
      out.push({kind: 'iri', liid: i.liid, at, eventType: event.type === 'Login' ? 5 : 2, protocol: 3});
      if (event.type === 'MessageNew') out.push({kind: 'cc', liid: i.liid, at, eventType: 2, protocol: 3, direction: 'toTarget', messageRef: {mailbox: event.mailbox?.name ?? '', mailboxId: event.mailboxId, uid: event.uids.first ?? 0}});
    }
    return out;
  },
  encodePsPdu: (header, record) => Buffer.from(JSON.stringify({seq: header.sequenceNumber, liid: header.liid, kind: record.kind, event: record.eventType, content: 'content' in record ? Buffer.from(record.content).toString() : undefined})),
  encodeKeepAlive: () => Buffer.from('KA'),
};

const spool = {read: (mailboxId: string, uid: number) => ({kind: 'bytes' as const, bytes: Buffer.from(`message ${mailboxId}/${uid}`)})};

function addWarrant(liid: string, folder: string, over: {start?: number; end?: number} = {}): void {
  new Warrants(store.db).add({
    liid, agency: 'BKA', authCountry: 'DE', deliveryCountry: 'DE', start: over.start ?? START, end: over.end ?? START + 86_400_000, delivery: {folder},
    targets: [{given: 'alice', personId: 'alice', login: 'alice', addresses: ['alice@lab.test']}],
  }, 'root', START);
}

/** Runs the loop until `done` holds, then stops it with a signal; returns its lines. */
async function serveUntil(done: () => boolean, source: MessageSource = spool, mapping: InterceptCodec = codec, more: {keepDeliveredMs?: number; onLag?: (lag: number) => void} = {}): Promise<ServeLine[]> {
  const lines: ServeLine[] = [];
  const running = serveIntercepts(store.db, catalog.db, {codec: mapping, spool: source, keepAlive: {frequencyMs: 0, waitMs: 0}, operatorId: 'TEST', catalogPath: ':memory:', onLine: (l) => lines.push(l), signals: ['SIGUSR2'], pollMs: 20, now: () => received, ...more});
  try {
    for (const end = Date.now() + 10_000; !done(); ) {
      if (Date.now() > end) throw new Error(`timed out: ${JSON.stringify(lines)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    process.kill(process.pid, 'SIGUSR2');
    await running;
  }
  return lines;
}

const files = (folder: string) => {
  try {
    return readdirSync(folder).sort().map((name) => [name, JSON.parse(readFileSync(join(folder, name), 'utf8')) as Record<string, unknown>] as const);
  } catch {
    return [];
  }
};

const newMessage = (owner: string, uid: number) => ({event: 'MessageNew', service: 'lmtp', uri: `imap://imap.lab.test/user.${owner};UIDVALIDITY=1/;UID=${uid}`, mailboxID: `box${owner}`, uidset: String(uid)});

describe('bonnie intercept serve', () => {
  it("hands over a target's records, numbered from 0 per destination, with the message as CC, and nothing of another user", async () => {
    const folder = join(tempDir(), 'LI-1');
    addWarrant('LI-1', folder);
    capture({event: 'Login', user: 'alice', service: 'imap', 'vnd.cmu.sessionId': 's1'});
    capture({event: 'Login', user: 'bob', service: 'imap', 'vnd.cmu.sessionId': 's2'});
    capture(newMessage('alice', 7));
    capture(newMessage('bob', 3));
    const lines = await serveUntil(() => files(folder).length === 3);
    expect(files(folder)).toEqual([
      ['LI-1-CC-000000000000.ber', {seq: 0, liid: 'LI-1', kind: 'cc', event: 2, content: 'message boxalice/7'}],
      ['LI-1-IRI-000000000000.ber', {seq: 0, liid: 'LI-1', kind: 'iri', event: 5}],
      ['LI-1-IRI-000000000001.ber', {seq: 1, liid: 'LI-1', kind: 'iri', event: 2}],
    ]);
    expect(lines[0]).toMatchObject({type: 'started', afterId: 0, intercepts: 1});
    expect(lines.at(-1)).toMatchObject({type: 'stopped', events: 4, records: 3, delivered: 3});
    expect(new HandoverQueue(store.db).cursor()).toBe(4);
    expect(JSON.stringify(lines)).not.toContain('alice');
  });

  it('resumes after the last notification mapped: nothing twice, numbers go on', async () => {
    const folder = join(tempDir(), 'LI-2');
    addWarrant('LI-2', folder);
    capture({event: 'Login', user: 'alice', service: 'imap', 'vnd.cmu.sessionId': 's1'});
    await serveUntil(() => files(folder).length === 1);
    capture({event: 'Login', user: 'alice', service: 'imap', 'vnd.cmu.sessionId': 's3'});
    const lines = await serveUntil(() => files(folder).length === 2);
    expect(files(folder).map(([name]) => name)).toEqual(['LI-2-IRI-000000000000.ber', 'LI-2-IRI-000000000001.ber']);
    expect(lines[0]).toMatchObject({type: 'started', afterId: 1});
    expect(lines.at(-1)).toMatchObject({type: 'stopped', events: 1, records: 1});
  });

  it('a restart keeps the endpoints of the sessions open at its cursor (Cyrus sends them on Login only)', async () => {
    const folder = join(tempDir(), 'LI-S');
    addWarrant('LI-S', folder);
    capture({event: 'Login', user: 'alice', service: 'imap', clientIP: '192.0.2.7', clientPort: 50_123, 'vnd.cmu.sessionId': 's1'});
    capture({event: 'Login', user: 'alice', service: 'imap', clientIP: '192.0.2.9', clientPort: 50_999, 'vnd.cmu.sessionId': 's2'});
    capture({event: 'Logout', user: 'alice', service: 'imap', 'vnd.cmu.sessionId': 's2'});
    await serveUntil(() => new HandoverQueue(store.db).cursor() === 3);
    // Another serve process: s1 is still open, s2 is over.
    capture({...newMessage('alice', 8), 'vnd.cmu.sessionId': 's1'});
    capture({...newMessage('alice', 9), 'vnd.cmu.sessionId': 's2'});
    const seen: Array<string | undefined> = [];
    const withEndpoints: InterceptCodec = {...codec, mapEvent: (event, intercepts, context) => {
      if (event.type === 'MessageNew' && event.sessionId !== undefined) seen.push(context?.session?.(event.sessionId)?.clientAddress);
      return codec.mapEvent(event, intercepts, context);
    }};
    await serveUntil(() => new HandoverQueue(store.db).cursor() === 5, spool, withEndpoints);
    expect(seen).toEqual(['192.0.2.7', undefined]);
  });

  it('with keepDeliveredMs 0, drops a PDU\'s bytes once it was delivered, and says how many', async () => {
    const folder = join(tempDir(), 'LI-K');
    addWarrant('LI-K', folder);
    capture(newMessage('alice', 4));
    const purged = () => (store.db.prepare('SELECT count(*) AS n FROM intercept_pdu WHERE purged_at IS NOT NULL AND length(pdu) = 0').get() as {n: number}).n;
    // The purge runs in the next round after the delivery (the clock is the test's: one more round is enough).
    const lines = await serveUntil(() => files(folder).length === 2 && purged() === 2, spool, codec, {keepDeliveredMs: 0});
    expect(lines.at(-1)).toMatchObject({type: 'stopped', delivered: 2, purged: 2});
    expect(files(folder).map(([name]) => name)).toEqual(['LI-K-CC-000000000000.ber', 'LI-K-IRI-000000000000.ber']);
  });

  it('tells how far behind it is: the age of the oldest notification not yet mapped, 0 when none is', async () => {
    const folder = join(tempDir(), 'LI-L');
    addWarrant('LI-L', folder);
    capture({event: 'Login', user: 'alice', service: 'imap', 'vnd.cmu.sessionId': 's1'});
    const arrived = received;
    received += 3000;
    const lags: number[] = [];
    await serveUntil(() => files(folder).length === 1 && lags.at(-1) === 0, spool, codec, {onLag: (lag: number) => lags.push(lag)});
    expect(lags[0]).toBe(received - arrived);
    expect(lags.at(-1)).toBe(0);
  });

  it('picks up a warrant another process adds while it serves (the store is not read again every round)', async () => {
    // A store on disk, as in production: `bonnie intercept add` is another connection.
    const path = join(tempDir(), 'intercept.db');
    store.close();
    store = openCatalog(path, {create: true, database: {applicationId: INTERCEPT_APPLICATION_ID, schema: INTERCEPT_SCHEMA}});
    const folder = join(tempDir(), 'LI-9');
    let step = 0;
    await serveUntil(() => {
      if (step === 0) {
        capture({event: 'Login', user: 'alice', service: 'imap', 'vnd.cmu.sessionId': 's0'});
        step = 1;
      } else if (step === 1 && new HandoverQueue(store.db).cursor() === 1) {
        // serve has run rounds without the warrant; now another connection adds it.
        const other = openCatalog(path, {database: {applicationId: INTERCEPT_APPLICATION_ID, schema: INTERCEPT_SCHEMA}});
        new Warrants(other.db).add({
          liid: 'LI-9', agency: 'BKA', authCountry: 'DE', deliveryCountry: 'DE', start: received, end: received + 86_400_000, delivery: {folder},
          targets: [{given: 'alice', personId: 'alice', login: 'alice', addresses: ['alice@lab.test']}],
        }, 'root', received);
        other.close();
        capture({event: 'Login', user: 'alice', service: 'imap', 'vnd.cmu.sessionId': 's1'});
        step = 2;
      }
      return files(folder).length === 1;
    });
    expect(files(folder)).toEqual([['LI-9-IRI-000000000000.ber', {seq: 0, liid: 'LI-9', kind: 'iri', event: 5}]]);
  });

  it('delivers nothing of what happens past a warrant\'s end', async () => {
    const folder = join(tempDir(), 'LI-3');
    addWarrant('LI-3', folder, {end: START + 2500});
    // Running before the events, as the service is: the warrant is in force when it starts.
    let captured = false;
    const lines = await serveUntil(() => {
      if (!captured) {
        for (const session of ['s1', 's2', 's3']) capture({event: 'Login', user: 'alice', service: 'imap', 'vnd.cmu.sessionId': session});
        captured = true;
      }
      return new HandoverQueue(store.db).cursor() === 3 && files(folder).length === 2;
    });
    expect(files(folder).map(([name]) => name)).toEqual(['LI-3-IRI-000000000000.ber', 'LI-3-IRI-000000000001.ber']);
    expect(lines.at(-1)).toMatchObject({type: 'stopped', events: 3, records: 2});
  });

  it('says when a message cannot be read, and still sends the IRI record', async () => {
    const folder = join(tempDir(), 'LI-4');
    addWarrant('LI-4', folder);
    capture(newMessage('alice', 9));
    const lines = await serveUntil(() => files(folder).length === 1, {read: () => ({kind: 'gone' as const})});
    expect(files(folder).map(([name]) => name)).toEqual(['LI-4-IRI-000000000000.ber']);
    expect(lines.find((l) => l.type === 'warning')).toMatchObject({message: expect.stringContaining('gone from the spool') as unknown});
  });
});
