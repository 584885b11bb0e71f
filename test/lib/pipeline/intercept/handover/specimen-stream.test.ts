// The whole recorded Cyrus session (96 real events, in order) through the session book, the mapping and the
// encoder, the way the serve side runs them: what each intercept would receive, every PDU accepted by openssl.
import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {decodePsPdu, EMAIL_EVENT, encodePsPdu, mapEvent, SessionEndpointBook} from '../../../../../src/lib/pipeline/intercept/handover/records.js';
import type {InterceptRecord, WatchedIntercept} from '../../../../../src/lib/pipeline/intercept/handover/records.js';
import {load, SPECIMENS} from '../../../core/event/specimen-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'bonnie-stream-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

const DAY = Date.parse('2026-11-22T00:00:00Z');
const warrant = (liid: string, login: string): WatchedIntercept => ({
  liid, start: DAY, end: DAY + 86_400_000, targets: [{given: login, personId: `login:${login}`, login, addresses: [`${login}@imap.lab.test`]}],
});
const ALICE = warrant('LIID-ALICE', 'alice');
const BOB = warrant('LIID-BOB', 'bob');

/** The specimens' files in the order Cyrus sent them (INDEX.tsv). */
function specimenFiles(): string[] {
  const index = readFileSync(new URL('INDEX.tsv', SPECIMENS), 'utf8').trim().split('\n').slice(1);
  return index.map((line) => {
    const [nn, event] = line.split('\t');
    return `${nn}-${event}.json`;
  });
}

function run(): InterceptRecord[] {
  const book = new SessionEndpointBook();
  const records: InterceptRecord[] = [];
  for (const file of specimenFiles()) {
    const event = load(file);
    records.push(...mapEvent(event, [ALICE, BOB], {session: book.lookUp}));
    book.note(event);
  }
  return records;
}

const EVENT_NAME = Object.fromEntries(Object.entries(EMAIL_EVENT).map(([name, n]) => [n, name]));
const summary = (records: InterceptRecord[]): string[] => records.map((r) => `${r.kind} ${EVENT_NAME[r.eventType]}${r.kind === 'iri' && r.uid !== undefined ? ` ${r.uid}` : ''}`);

describe('the recorded Cyrus session, end to end', () => {
  const records = run();
  const alice = records.filter((r) => r.liid === 'LIID-ALICE');
  const bob = records.filter((r) => r.liid === 'LIID-BOB');

  it('alice\'s intercept gets her two sessions, her uploads with their CC, her reads, and her four deliveries', () => {
    expect(summary(alice)).toStrictEqual([
      'iri logon',
      'iri upload 1', 'cc upload', 'iri upload 2', 'cc upload', 'iri upload 3', 'cc upload', 'iri upload 4', 'cc upload',
      'iri download 1', 'iri download 2', 'iri download 1', 'iri download 2', 'iri download 3', 'iri download 4',
      'iri logoff',
      'iri receive 5', 'cc receive', 'iri receive 6', 'cc receive', 'iri receive 3', 'cc receive', 'iri receive 2', 'cc receive', // Archive after the copy of 1:2; Job after the move
      'iri logon', 'iri upload 1', 'cc upload', 'iri logoff',
    ]);
  });

  it('bob\'s intercept gets only bob\'s session and append; the admin\'s sessions reach nobody', () => {
    expect(summary(bob)).toStrictEqual(['iri logon', 'iri upload 1', 'cc upload', 'iri logoff']);
  });

  it('every IRI of a session carries the endpoints of its Login', () => {
    const inSession = alice.filter((r) => r.kind === 'iri' && (r.eventType === EMAIL_EVENT.upload || r.eventType === EMAIL_EVENT.download));
    expect(new Set(inSession.map((r) => r.kind === 'iri' && `${r.clientAddress}:${r.clientPort} -> ${r.serverAddress}:${r.serverPort}`))).toStrictEqual(new Set([
      '127.0.0.1:41820 -> 127.0.0.1:11143',
      '127.0.0.1:37240 -> 127.0.0.1:11143',
    ]));
  });

  it('numbered per intercept, every record encodes to a PS-PDU openssl accepts and decodes back in order', () => {
    const next = new Map<string, number>();
    for (const record of records) {
      const sequenceNumber = next.get(record.liid) ?? 0;
      next.set(record.liid, sequenceNumber + 1);
      const header = {liid: record.liid, authCountry: 'DE', deliveryCountry: 'DE', operatorId: 'op', networkElementId: 'imap.lab.test', communicationId: 1, sequenceNumber, timestamp: record.at};
      const bytes = encodePsPdu(header, record.kind === 'iri' ? record : {...record, content: new TextEncoder().encode(`message ${record.messageRef.uid}\r\n`)});
      const file = join(dir, 'pdu.ber');
      writeFileSync(file, bytes);
      execFileSync('openssl', ['asn1parse', '-inform', 'DER', '-in', file, '-noout']);
      const decoded = decodePsPdu(bytes);
      expect(decoded.header.sequenceNumber).toBe(sequenceNumber);
      expect(decoded.record !== 'keepAlive' && decoded.record.kind).toBe(record.kind);
    }
    expect(Object.fromEntries(next)).toStrictEqual({'LIID-ALICE': 28, 'LIID-BOB': 4});
  });
});
