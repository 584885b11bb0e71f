// PS-PDUs as encoded by bonnie, read by decoders bonnie did not write: `openssl asn1parse -inform DER`
// (structure, tags, lengths; openssl's own OID and GeneralizedTime encoders for comparison) and asn1js'
// fromBER through decodePsPdu (every field back).
import {execFileSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import * as asn1 from 'asn1js';
import {afterAll, describe, expect, it} from 'vitest';
import {decodePsPdu, EMAIL_EVENT, EMAIL_PROTOCOL, encodeKeepAlive, encodePsPdu} from '../../../../../src/lib/pipeline/intercept/handover/records.js';
import type {CcRecordWithContent, IriRecord, PsHeader} from '../../../../../src/lib/pipeline/intercept/handover/records.js';

const dir = mkdtempSync(join(tmpdir(), 'bonnie-pdu-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

interface Node {
  offset: number;
  depth: number;
  header: number;
  length: number;
  tag: string;
  value: string | undefined;
}

/** `openssl asn1parse -inform DER` of the bytes: throws when openssl refuses them. */
function opensslParse(bytes: Uint8Array): Node[] {
  const file = join(dir, 'pdu.ber');
  writeFileSync(file, bytes);
  const out = execFileSync('openssl', ['asn1parse', '-inform', 'DER', '-in', file], {encoding: 'utf8'});
  return out.trimEnd().split('\n').map((line) => {
    const m = /^\s*(\d+):d=(\d+)\s+hl=(\d+)\s+l=\s*(\d+)\s+(?:prim|cons):\s*([^:]*?)\s*(?::(.*))?$/.exec(line);
    if (m === null) throw new Error(`unexpected openssl line: ${line}`);
    return {offset: Number(m[1]), depth: Number(m[2]), header: Number(m[3]), length: Number(m[4]), tag: (m[5] ?? '').replace(/\s+/g, ' '), value: m[6]};
  });
}

/** The outline openssl prints: one `depth tag` per element. */
function outline(nodes: Node[]): string[] {
  return nodes.map((n) => `${'  '.repeat(n.depth)}${n.tag}`);
}

/** The content bytes openssl located at the n-th element of that depth and tag (`part`: in the header or the payload). */
function content(bytes: Uint8Array, all: Node[], depth: number, tag: string, nth = 0, part: 'header' | 'payload' = 'payload'): Uint8Array {
  const split = all.findIndex((n) => n.depth === 1 && n.tag === 'cont [ 2 ]');
  const nodes = part === 'header' ? all.slice(0, split) : all.slice(split);
  const node = nodes.filter((n) => n.depth === depth && n.tag === tag)[nth];
  if (node === undefined) throw new Error(`no ${tag} at depth ${depth}`);
  return bytes.subarray(node.offset + node.header, node.offset + node.header + node.length);
}

/** openssl's own encoding of a value (`OID:1.2.3`, `GENTIME:...`), content bytes only. */
function opensslContent(genstr: string): Uint8Array {
  const file = join(dir, 'gen.der');
  execFileSync('openssl', ['asn1parse', '-genstr', genstr, '-out', file, '-noout']);
  const der = execFileSync('cat', [file]);
  return new Uint8Array(der.subarray(2));
}

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

const AT = Date.parse('2026-11-22T11:53:59.610Z');
const HEADER: PsHeader = {
  liid: 'LIID-ALICE',
  authCountry: 'DE',
  deliveryCountry: 'FR',
  operatorId: 'example-op',
  networkElementId: 'imap.lab.test',
  communicationId: 7,
  sequenceNumber: 0,
  timestamp: AT,
};

const HEADER_OUTLINE = [
  'SEQUENCE',
  '  cont [ 1 ]',
  '    cont [ 0 ]',
  '    cont [ 1 ]',
  '    cont [ 2 ]',
  '    cont [ 3 ]',
  '      cont [ 0 ]',
  '        cont [ 0 ]',
  '        cont [ 1 ]',
  '      cont [ 1 ]',
  '      cont [ 2 ]',
  '    cont [ 4 ]',
  '    cont [ 5 ]',
  '    cont [ 7 ]',
  '      cont [ 0 ]',
  '      cont [ 1 ]',
  '    cont [ 8 ]',
];

const LOGON: IriRecord = {
  kind: 'iri', liid: 'LIID-ALICE', at: AT, eventType: EMAIL_EVENT.logon, protocol: EMAIL_PROTOCOL.imap4,
  clientAddress: '192.0.2.10', clientPort: 41820, serverAddress: '2001:db8::1', serverPort: 993, status: 'succeeded',
};
const RECEIVE: IriRecord = {
  kind: 'iri', liid: 'LIID-ALICE', at: AT + 1500, eventType: EMAIL_EVENT.receive, protocol: EMAIL_PROTOCOL.smtp, status: 'succeeded',
  sender: 'carol@example.org', recipients: ['alice@imap.lab.test', 'Zoë <zoe@example.org>'], messageId: '<Delivered-via-LMTP-1795348456401@example.org>',
  mailbox: 'user.alice', uid: 5,
};
const MESSAGE = 'From: carol@example.org\r\nTo: alice@imap.lab.test\r\nSubject: Grüße\r\n\r\nHello\r\n';
const CC: CcRecordWithContent = {
  kind: 'cc', liid: 'LIID-ALICE', at: AT + 1500, eventType: EMAIL_EVENT.receive, protocol: EMAIL_PROTOCOL.smtp,
  messageRef: {mailbox: 'user.alice', mailboxId: '76yzkoa5vpplgcimbgeofaee', uid: 5}, direction: 'toTarget', content: new TextEncoder().encode(MESSAGE),
};

describe('PSHeader', () => {
  it('carries li-psDomainId, LIID, countries, network ids, CIN, sequence number and both timestamps', () => {
    const bytes = encodePsPdu({...HEADER, sequenceNumber: 4_294_967_296}, LOGON);
    const nodes = opensslParse(bytes);
    expect(outline(nodes).slice(0, HEADER_OUTLINE.length)).toStrictEqual(HEADER_OUTLINE);
    // li-psDomainId [0]: the bytes openssl encodes for OID 0.4.0.2.2.5.1.17.
    expect(content(bytes, nodes, 2, 'cont [ 0 ]', 0, 'header')).toStrictEqual(opensslContent('OID:0.4.0.2.2.5.1.17'));
    expect(text(content(bytes, nodes, 2, 'cont [ 1 ]', 0, 'header'))).toBe('LIID-ALICE');
    expect(text(content(bytes, nodes, 2, 'cont [ 2 ]', 0, 'header'))).toBe('DE');
    expect(text(content(bytes, nodes, 4, 'cont [ 0 ]', 0, 'header'))).toBe('example-op');
    expect(text(content(bytes, nodes, 4, 'cont [ 1 ]', 0, 'header'))).toBe('imap.lab.test');
    expect(text(content(bytes, nodes, 3, 'cont [ 2 ]', 0, 'header'))).toBe('FR');
    expect(content(bytes, nodes, 2, 'cont [ 4 ]', 0, 'header')).toStrictEqual(opensslContent('INTEGER:4294967296'));
    // timeStamp [5]: GeneralizedTime with milliseconds, trailing zeros dropped (X.690 11.7.3).
    expect(content(bytes, nodes, 2, 'cont [ 5 ]', 0, 'header')).toStrictEqual(opensslContent('GENTIME:20261122115359.61Z'));
    // microSecondTimeStamp [7]: seconds and microseconds.
    expect(content(bytes, nodes, 3, 'cont [ 0 ]', 1, 'header')).toStrictEqual(opensslContent(`INTEGER:${Math.floor(AT / 1000)}`));
    expect(content(bytes, nodes, 3, 'cont [ 1 ]', 1, 'header')).toStrictEqual(opensslContent('INTEGER:610000'));
    expect(decodePsPdu(bytes).header).toStrictEqual({...HEADER, sequenceNumber: 4_294_967_296});
  });

  it('leaves networkElementIdentifier out when there is none', () => {
    const bytes = encodePsPdu({...HEADER, networkElementId: ''}, LOGON);
    expect(outline(opensslParse(bytes)).slice(6, 9)).toStrictEqual(['      cont [ 0 ]', '        cont [ 0 ]', '      cont [ 1 ]']);
    expect(decodePsPdu(bytes).header.networkElementId).toBe('');
  });
});

describe('IRI records', () => {
  it('e-mail-logon: IRI-Begin, EmailIRI with its object id, event, both addresses (v4, v6) and ports, protocol, status', () => {
    const bytes = encodePsPdu(HEADER, LOGON);
    const nodes = opensslParse(bytes);
    expect(outline(nodes).slice(HEADER_OUTLINE.length)).toStrictEqual([
      '  cont [ 2 ]', //                payload
      '    cont [ 0 ]', //              iRIPayloadSequence
      '      SEQUENCE', //              IRIPayload
      '        cont [ 0 ]', //          iRIType
      '        cont [ 1 ]', //          timeStamp
      '        cont [ 2 ]', //          iRIContents
      '          cont [ 1 ]', //        emailIRI
      '            cont [ 0 ]', //      eMailIRIObjId
      '            cont [ 1 ]', //      eventType
      '            cont [ 2 ]', //      client-Address
      '              cont [ 1 ]', //    iP-type
      '              cont [ 2 ]', //    iP-value
      '                cont [ 1 ]', //  iPBinaryAddress
      '              cont [ 3 ]', //    iP-assignment
      '            cont [ 3 ]', //      server-Address
      '              cont [ 1 ]',
      '              cont [ 2 ]',
      '                cont [ 1 ]',
      '              cont [ 3 ]',
      '            cont [ 4 ]', //      client-Port
      '            cont [ 5 ]', //      server-Port
      '            cont [ 8 ]', //      protocol-ID
      '            cont [ 11 ]', //     status
    ]);
    expect(content(bytes, nodes, 4, 'cont [ 0 ]')).toStrictEqual(opensslContent('ENUMERATED:1')); // iRI-Begin
    expect(content(bytes, nodes, 6, 'cont [ 1 ]')).toStrictEqual(opensslContent('ENUMERATED:5')); // e-mail-logon
    expect([...content(bytes, nodes, 8, 'cont [ 1 ]', 0)]).toStrictEqual([192, 0, 2, 10]);
    expect(Buffer.from(content(bytes, nodes, 8, 'cont [ 1 ]', 1)).toString('hex')).toBe('20010db8000000000000000000000001');
    expect(content(bytes, nodes, 6, 'cont [ 5 ]')).toStrictEqual(opensslContent('INTEGER:993'));
    expect(content(bytes, nodes, 6, 'cont [ 8 ]')).toStrictEqual(opensslContent('ENUMERATED:3')); // imap4
    expect(decodePsPdu(bytes)).toStrictEqual({header: HEADER, record: LOGON, iriType: 1});
  });

  it('e-mail-receive: sender, recipients (UTF8String), their count, Message-ID; IRI-Report', () => {
    const bytes = encodePsPdu(HEADER, RECEIVE);
    const nodes = opensslParse(bytes);
    expect(nodes.filter((n) => n.tag === 'UTF8STRING').map((n) => n.value)).toStrictEqual(['alice@imap.lab.test', 'Zoë <zoe@example.org>']);
    expect(text(content(bytes, nodes, 6, 'cont [ 9 ]'))).toBe('carol@example.org');
    expect(content(bytes, nodes, 6, 'cont [ 12 ]')).toStrictEqual(opensslContent('INTEGER:2'));
    expect(text(content(bytes, nodes, 6, 'cont [ 13 ]'))).toBe('<Delivered-via-LMTP-1795348456401@example.org>');
    expect(content(bytes, nodes, 4, 'cont [ 1 ]')).toStrictEqual(opensslContent('GENTIME:20261122115401.11Z'));
    const {mailbox, uid, ...encoded} = RECEIVE;
    expect([mailbox, uid]).toStrictEqual(['user.alice', 5]); // not in EmailIRI: the queue keeps them
    expect(decodePsPdu(bytes)).toStrictEqual({header: HEADER, record: encoded, iriType: 4});
  });

  it('every e-mail event and protocol round-trips; logoff is IRI-End', () => {
    for (const eventType of Object.values(EMAIL_EVENT)) {
      for (const protocol of Object.values(EMAIL_PROTOCOL)) {
        const record: IriRecord = {kind: 'iri', liid: 'LIID-ALICE', at: AT, eventType, protocol};
        const decoded = decodePsPdu(encodePsPdu(HEADER, record));
        expect(decoded.record).toStrictEqual(record);
        expect(decoded.iriType).toBe(eventType === EMAIL_EVENT.logon ? 1 : eventType === EMAIL_EVENT.logoff ? 2 : 4);
      }
    }
  });
});

describe('CC records', () => {
  it('e-mail CC: direction, EmailCC with its object id, application format and the message bytes', () => {
    const bytes = encodePsPdu(HEADER, CC);
    const nodes = opensslParse(bytes);
    expect(outline(nodes).slice(HEADER_OUTLINE.length)).toStrictEqual([
      '  cont [ 2 ]', //           payload
      '    cont [ 1 ]', //         cCPayloadSequence
      '      SEQUENCE', //         CCPayload
      '        cont [ 0 ]', //     payloadDirection
      '        cont [ 1 ]', //     timeStamp
      '        cont [ 2 ]', //     cCContents
      '          cont [ 1 ]', //   emailCC
      '            cont [ 0 ]', // eMailCCObjId
      '            cont [ 1 ]', // eMail-Format
      '            cont [ 2 ]', // content
    ]);
    expect(content(bytes, nodes, 4, 'cont [ 0 ]')).toStrictEqual(opensslContent('ENUMERATED:1')); // toTarget
    expect(content(bytes, nodes, 6, 'cont [ 1 ]')).toStrictEqual(opensslContent('ENUMERATED:2')); // application
    expect(text(content(bytes, nodes, 6, 'cont [ 2 ]'))).toBe(MESSAGE);
    expect(decodePsPdu(bytes)).toStrictEqual({header: HEADER, record: {kind: 'cc', liid: 'LIID-ALICE', at: CC.at, direction: 'toTarget', content: CC.content}});
  });

  it('a message of several MB keeps definite lengths openssl accepts', () => {
    const big = new Uint8Array(3 * 1024 * 1024 + 17).fill(0x41);
    const bytes = encodePsPdu({...HEADER, sequenceNumber: 99}, {...CC, direction: 'fromTarget', content: big});
    const nodes = opensslParse(bytes);
    expect(nodes.at(-1)).toMatchObject({tag: 'cont [ 2 ]', length: big.length});
    const decoded = decodePsPdu(bytes);
    expect(decoded.record).toMatchObject({direction: 'fromTarget'});
    expect(decoded.record !== 'keepAlive' && decoded.record.kind === 'cc' && decoded.record.content.length).toBe(big.length);
  });
});

describe('keep-alive', () => {
  it('is a PS-PDU whose payload is tRIPayload keep-alive [3] NULL', () => {
    const bytes = encodeKeepAlive({...HEADER, sequenceNumber: 12});
    const nodes = opensslParse(bytes);
    expect(outline(nodes).slice(HEADER_OUTLINE.length)).toStrictEqual(['  cont [ 2 ]', '    cont [ 2 ]', '      cont [ 3 ]']);
    expect(nodes.at(-1)?.length).toBe(0);
    expect(decodePsPdu(bytes)).toStrictEqual({header: {...HEADER, sequenceNumber: 12}, record: 'keepAlive'});
  });
});

describe('asn1js reads the PDU generically too', () => {
  it('fromBER consumes every byte, and the li-psDomainId is the OID', () => {
    const bytes = encodePsPdu(HEADER, RECEIVE);
    const parsed = asn1.fromBER(bytes);
    expect(parsed.offset).toBe(bytes.length);
    const header = (parsed.result as asn1.Sequence).valueBlock.value[0] as asn1.Constructed;
    const domain = header.valueBlock.value[0] as asn1.Primitive;
    const oid = new asn1.ObjectIdentifier();
    oid.valueBlock.fromBER(domain.valueBlock.valueHexView, 0, domain.valueBlock.valueHexView.length);
    expect(oid.getValue()).toBe('0.4.0.2.2.5.1.17');
  });

  it('decodePsPdu refuses what is not a PS-PDU', () => {
    expect(() => decodePsPdu(new Uint8Array([0x30, 0x03, 0x02, 0x01]))).toThrow(/not BER|PS-PDU|missing/);
    const bytes = encodePsPdu(HEADER, LOGON);
    expect(() => decodePsPdu(Uint8Array.from([...bytes, 0]))).toThrow(/after the PS-PDU/);
  });

  it('refuses a record under another intercept\'s header', () => {
    expect(() => encodePsPdu({...HEADER, liid: 'OTHER'}, LOGON)).toThrow(/LIID-ALICE/);
  });
});
