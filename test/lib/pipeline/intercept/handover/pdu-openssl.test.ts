// The PS-PDUs bonnie writes, byte for byte against the same ETSI structures written independently with
// OpenSSL's ASN.1 generator (`openssl asn1parse -genconf`, ASN1_generate_nconf(3)) from the module's tags.
import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {EMAIL_EVENT, EMAIL_PROTOCOL, encodeKeepAlive, encodePsPdu} from '../../../../../src/lib/pipeline/intercept/handover/records.js';
import type {PsHeader} from '../../../../../src/lib/pipeline/intercept/handover/records.js';

const dir = mkdtempSync(join(tmpdir(), 'bonnie-genconf-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

/** DER from an ASN1_generate_nconf configuration. */
function generate(config: string): Buffer {
  const cnf = join(dir, 'pdu.cnf');
  const out = join(dir, 'pdu.der');
  writeFileSync(cnf, config);
  execFileSync('openssl', ['asn1parse', '-genconf', cnf, '-out', out, '-noout']);
  return readFileSync(out);
}

const AT = Date.parse('2026-11-22T11:53:59.610Z');
const HEADER: PsHeader = {liid: 'LI-2026-0042', authCountry: 'DE', deliveryCountry: 'AT', operatorId: 'bonnie-op', networkElementId: 'imap.lab.test', communicationId: 7, sequenceNumber: 3, timestamp: AT};

/** PS-PDU and PSHeader as TS 102 232-1 defines them (implicit tags), the payload's sections given. */
function psPdu(payload: string): string {
  return `asn1 = SEQUENCE:pspdu
[pspdu]
header = IMPLICIT:1C,SEQUENCE:header
payload = IMPLICIT:2C,SEQUENCE:payload
[header]
domain = IMPLICIT:0C,OID:0.4.0.2.2.5.1.17
liid = IMPLICIT:1C,OCTETSTRING:LI-2026-0042
auth = IMPLICIT:2C,PRINTABLESTRING:DE
cid = IMPLICIT:3C,SEQUENCE:cid
seq = IMPLICIT:4C,INTEGER:3
time = IMPLICIT:5C,GENTIME:20261122115359.61Z
micro = IMPLICIT:7C,SEQUENCE:micro
qualifier = IMPLICIT:8C,ENUMERATED:1
[cid]
network = IMPLICIT:0C,SEQUENCE:network
cin = IMPLICIT:1C,INTEGER:7
delivery = IMPLICIT:2C,PRINTABLESTRING:AT
[network]
operator = IMPLICIT:0C,OCTETSTRING:bonnie-op
element = IMPLICIT:1C,OCTETSTRING:imap.lab.test
[micro]
seconds = IMPLICIT:0C,INTEGER:1795348439
microSeconds = IMPLICIT:1C,INTEGER:610000
${payload}`;
}

describe('PS-PDUs against openssl\'s ASN.1 generator', () => {
  it('keep-alive: payload tRIPayload [2] keep-alive [3] NULL', () => {
    const expected = generate(psPdu(`[payload]
tri = IMPLICIT:2C,SEQUENCE:tri
[tri]
keepAlive = IMPLICIT:3C,NULL
`));
    expect(Buffer.from(encodeKeepAlive(HEADER)).toString('hex')).toBe(expected.toString('hex'));
  });

  it('IRI e-mail-logon with IPv4 client and IPv6 server', () => {
    const expected = generate(psPdu(`[payload]
iriSequence = IMPLICIT:0C,SEQUENCE:iriSequence
[iriSequence]
iri = SEQUENCE:iriPayload
[iriPayload]
iriType = IMPLICIT:0C,ENUMERATED:1
time = IMPLICIT:1C,GENTIME:20261122115359.61Z
contents = IMPLICIT:2C,SEQUENCE:contents
[contents]
emailIRI = IMPLICIT:1C,SEQUENCE:emailIRI
[emailIRI]
objId = IMPLICIT:0C,FORMAT:HEX,OCTETSTRING:05020F01
eventType = IMPLICIT:1C,ENUMERATED:5
client = IMPLICIT:2C,SEQUENCE:client
server = IMPLICIT:3C,SEQUENCE:server
clientPort = IMPLICIT:4C,INTEGER:41820
serverPort = IMPLICIT:5C,INTEGER:993
protocol = IMPLICIT:8C,ENUMERATED:3
status = IMPLICIT:11C,ENUMERATED:3
[client]
type = IMPLICIT:1C,ENUMERATED:0
value = IMPLICIT:2C,SEQUENCE:clientValue
assignment = IMPLICIT:3C,ENUMERATED:3
[clientValue]
binary = IMPLICIT:1C,FORMAT:HEX,OCTETSTRING:C000020A
[server]
type = IMPLICIT:1C,ENUMERATED:1
value = IMPLICIT:2C,SEQUENCE:serverValue
assignment = IMPLICIT:3C,ENUMERATED:3
[serverValue]
binary = IMPLICIT:1C,FORMAT:HEX,OCTETSTRING:20010DB8000000000000000000000001
`));
    const bytes = encodePsPdu(HEADER, {
      kind: 'iri', liid: HEADER.liid, at: AT, eventType: EMAIL_EVENT.logon, protocol: EMAIL_PROTOCOL.imap4,
      clientAddress: '192.0.2.10', clientPort: 41820, serverAddress: '2001:db8::1', serverPort: 993, status: 'succeeded',
    });
    expect(Buffer.from(bytes).toString('hex')).toBe(expected.toString('hex'));
  });

  it('IRI e-mail-receive with sender, recipients, count and Message-ID', () => {
    const expected = generate(psPdu(`[payload]
iriSequence = IMPLICIT:0C,SEQUENCE:iriSequence
[iriSequence]
iri = SEQUENCE:iriPayload
[iriPayload]
iriType = IMPLICIT:0C,ENUMERATED:4
time = IMPLICIT:1C,GENTIME:20261122115359.61Z
contents = IMPLICIT:2C,SEQUENCE:contents
[contents]
emailIRI = IMPLICIT:1C,SEQUENCE:emailIRI
[emailIRI]
objId = IMPLICIT:0C,FORMAT:HEX,OCTETSTRING:05020F01
eventType = IMPLICIT:1C,ENUMERATED:2
protocol = IMPLICIT:8C,ENUMERATED:1
sender = IMPLICIT:9C,UTF8:carol@example.org
recipients = IMPLICIT:10C,SEQUENCE:recipients
status = IMPLICIT:11C,ENUMERATED:3
count = IMPLICIT:12C,INTEGER:2
messageId = IMPLICIT:13C,OCTETSTRING:<m1@example.org>
[recipients]
r1 = UTF8:alice@imap.lab.test
r2 = UTF8:bob@imap.lab.test
`));
    const bytes = encodePsPdu(HEADER, {
      kind: 'iri', liid: HEADER.liid, at: AT, eventType: EMAIL_EVENT.receive, protocol: EMAIL_PROTOCOL.smtp, status: 'succeeded',
      sender: 'carol@example.org', recipients: ['alice@imap.lab.test', 'bob@imap.lab.test'], messageId: '<m1@example.org>', mailbox: 'user.alice', uid: 5,
    });
    expect(Buffer.from(bytes).toString('hex')).toBe(expected.toString('hex'));
  });

  it('CC of a sent message: fromTarget, EmailCC application format, the bytes', () => {
    const message = 'Subject: hi\r\n\r\nbody\r\n';
    const expected = generate(psPdu(`[payload]
ccSequence = IMPLICIT:1C,SEQUENCE:ccSequence
[ccSequence]
cc = SEQUENCE:ccPayload
[ccPayload]
direction = IMPLICIT:0C,ENUMERATED:0
time = IMPLICIT:1C,GENTIME:20261122115359.61Z
contents = IMPLICIT:2C,SEQUENCE:contents
[contents]
emailCC = IMPLICIT:1C,SEQUENCE:emailCC
[emailCC]
objId = IMPLICIT:0C,FORMAT:HEX,OCTETSTRING:05020F02
format = IMPLICIT:1C,ENUMERATED:2
content = IMPLICIT:2C,FORMAT:HEX,OCTETSTRING:${Buffer.from(message).toString('hex')}
`));
    const bytes = encodePsPdu(HEADER, {
      kind: 'cc', liid: HEADER.liid, at: AT, eventType: EMAIL_EVENT.send, protocol: EMAIL_PROTOCOL.imap4,
      messageRef: {mailbox: 'user.alice.Sent', mailboxId: undefined, uid: 1}, direction: 'fromTarget', content: new TextEncoder().encode(message),
    });
    expect(Buffer.from(bytes).toString('hex')).toBe(expected.toString('hex'));
  });
});
