/**
 * Records to PS-PDUs and back (ETSI TS 102 232-1 with the e-mail payloads of TS 102 232-2): the types and
 * tags are in etsi-asn1.ts, the bytes are asn1js'. Fields are written in tag order, as BER requires of a
 * SEQUENCE; optional fields the record lacks are left out.
 */
import * as asn1 from 'asn1js';
import {
  EMAIL_CC_OBJ_ID,
  EMAIL_FORMAT_APPLICATION,
  EMAIL_IRI_OBJ_ID,
  IRI_TYPE,
  LI_PS_DOMAIN_ID,
  PreEncoded,
  memoized,
  recent,
  TIME_OF_INTERCEPTION,
  child,
  childrenOf,
  contextSeq,
  ctxEnumerated,
  ctxInteger,
  ctxNull,
  ctxOctets,
  ctxOid,
  ctxPrintable,
  ctxRelativeOid,
  ctxTime,
  ctxUtf8,
  ipAddress,
  microSecondTimeStamp,
  parseBer,
  readInteger,
  readIpAddress,
  readMicroSeconds,
  readOctets,
  readOid,
  readRelativeOid,
  readText,
  readTime,
  requireChild,
} from './etsi-asn1.js';
import {EMAIL_EVENT, EMAIL_PROTOCOL} from './record-types.js';
import type {CcRecordWithContent, DecodedCcRecord, DecodedPsPdu, EmailEventType, EmailProtocol, EmailStatus, IriRecord, PayloadDirection, PsHeader} from './record-types.js';

/** E-mail-Status (TS 102 232-2). */
const STATUS: Record<EmailStatus, number> = {unknown: 1, failed: 2, succeeded: 3};
/** PayloadDirection (TS 102 232-1). */
const DIRECTION: Record<PayloadDirection, number> = {fromTarget: 0, toTarget: 1, indeterminate: 2};
/** Payload's CHOICE tags. */
const PAYLOAD = {iri: 0, cc: 1, tri: 2} as const;
/** TRIPayload's keep-alive [3] NULL. */
const KEEP_ALIVE = 3;
/** IRIContents / CCContents: emailIRI [1], emailCC [1]. */
const EMAIL_CONTENTS = 1;

export function encodeRecordPdu(header: PsHeader, record: IriRecord | CcRecordWithContent): Uint8Array {
  if (record.liid !== header.liid) throw new Error(`record of ${record.liid} under the header of ${header.liid}`);
  const payload = record.kind === 'iri'
    ? contextSeq(PAYLOAD.iri, [new asn1.Sequence({value: iriPayload(record)})])
    : contextSeq(PAYLOAD.cc, [new asn1.Sequence({value: ccPayload(record)})]);
  return psPdu(header, payload);
}

export function encodeKeepAlivePdu(header: PsHeader): Uint8Array {
  return psPdu(header, contextSeq(PAYLOAD.tri, [ctxNull(KEEP_ALIVE)]));
}

function psPdu(header: PsHeader, payload: asn1.Constructed): Uint8Array {
  // PS-PDU ::= SEQUENCE { pSHeader [1], payload [2] }: the payload is a CHOICE, so its [2] is explicit.
  return new Uint8Array(new asn1.Sequence({value: [psHeader(header), contextSeq(2, [payload])]}).toBER());
}

// Values that are the same in every PDU, built once (asn1js encodes a block anew on each toBER()).
const DOMAIN_ID = new PreEncoded(ctxOid(0, LI_PS_DOMAIN_ID));
const QUALIFIER = new PreEncoded(ctxEnumerated(8, TIME_OF_INTERCEPTION));
const IRI_OBJ_ID = new PreEncoded(ctxRelativeOid(0, EMAIL_IRI_OBJ_ID));
const CC_OBJ_ID = new PreEncoded(ctxRelativeOid(0, EMAIL_CC_OBJ_ID));
const CC_FORMAT = new PreEncoded(ctxEnumerated(1, EMAIL_FORMAT_APPLICATION));

/**
 * A warrant's PSHeader, built once: per PDU only the CIN, the sequence number and the time stamps are
 * new blocks, put in their places (building asn1js blocks is half of what encoding costs; serve
 * encodes two PDUs per intercepted delivery). Encoding is synchronous: a header is never shared by two
 * PDUs being encoded at once.
 */
interface HeaderTemplate {
  header: asn1.Constructed;
  communicationIdentifier: asn1.Constructed;
}
const templates = new Map<string, HeaderTemplate>();
/** More warrants than this in one process are built again as they come (a cache, not a registry). */
const TEMPLATES_KEPT = 256;
/** Where the per-PDU blocks go: in PSHeader, and in CommunicationIdentifier (the CIN). */
const AT = {sequenceNumber: 4, timeStamp: 5, microSecondTimeStamp: 6, cin: 1} as const;

function psHeader(h: PsHeader): asn1.Constructed {
  const key = `${h.liid}\0${h.authCountry}\0${h.deliveryCountry}\0${h.operatorId}\0${h.networkElementId}`;
  let template = templates.get(key);
  if (template === undefined) {
    const network = [ctxOctets(0, h.operatorId)];
    if (h.networkElementId !== '') network.push(ctxOctets(1, h.networkElementId));
    const communicationIdentifier = contextSeq(3, [new PreEncoded(contextSeq(0, network)), ctxNull(1), new PreEncoded(ctxPrintable(2, h.deliveryCountry))]);
    const header = contextSeq(1, [DOMAIN_ID, new PreEncoded(ctxOctets(1, h.liid)), new PreEncoded(ctxPrintable(2, h.authCountry)), communicationIdentifier, ctxNull(4), ctxNull(5), ctxNull(7), QUALIFIER]);
    template = {header, communicationIdentifier};
    if (templates.size >= TEMPLATES_KEPT) templates.clear();
    templates.set(key, template);
  }
  template.communicationIdentifier.valueBlock.value[AT.cin] = recent(`cin ${h.communicationId}`, () => ctxInteger(1, h.communicationId));
  const fields = template.header.valueBlock.value;
  fields[AT.sequenceNumber] = ctxInteger(4, h.sequenceNumber);
  fields[AT.timeStamp] = recent(`time 5 ${h.timestamp}`, () => ctxTime(5, h.timestamp));
  fields[AT.microSecondTimeStamp] = recent(`us 7 ${h.timestamp}`, () => microSecondTimeStamp(7, h.timestamp));
  return template.header;
}

/** ENUMERATED values are a closed set: each tag and value encoded once. */
function enumerated(tag: number, value: number): PreEncoded {
  return memoized(`enum ${tag} ${value}`, () => ctxEnumerated(tag, value));
}

function iriType(event: EmailEventType): number {
  if (event === EMAIL_EVENT.logon) return IRI_TYPE.begin;
  if (event === EMAIL_EVENT.logoff) return IRI_TYPE.end;
  return IRI_TYPE.report;
}

function iriPayload(r: IriRecord): asn1.AsnType[] {
  const email: asn1.AsnType[] = [IRI_OBJ_ID, enumerated(1, r.eventType)];
  if (r.clientAddress !== undefined) email.push(ipAddress(2, r.clientAddress));
  if (r.serverAddress !== undefined) email.push(memoized(`ip 3 ${r.serverAddress}`, () => ipAddress(3, r.serverAddress as string)));
  if (r.clientPort !== undefined) email.push(ctxInteger(4, r.clientPort));
  if (r.serverPort !== undefined) email.push(ctxInteger(5, r.serverPort));
  email.push(enumerated(8, r.protocol));
  if (r.sender !== undefined) email.push(ctxUtf8(9, r.sender));
  if (r.recipients !== undefined && r.recipients.length > 0) email.push(contextSeq(10, r.recipients.map((a) => new asn1.Utf8String({value: a}))));
  if (r.status !== undefined) email.push(enumerated(11, STATUS[r.status]));
  if (r.recipients !== undefined) email.push(memoized(`int 12 ${r.recipients.length}`, () => ctxInteger(12, (r.recipients as string[]).length)));
  if (r.messageId !== undefined) email.push(ctxOctets(13, r.messageId));
  return [enumerated(0, iriType(r.eventType)), recent(`time 1 ${r.at}`, () => ctxTime(1, r.at)), contextSeq(2, [contextSeq(EMAIL_CONTENTS, email)])];
}

function ccPayload(r: CcRecordWithContent): asn1.AsnType[] {
  const email = [CC_OBJ_ID, CC_FORMAT, ctxOctets(2, r.content)];
  return [enumerated(0, DIRECTION[r.direction]), recent(`time 1 ${r.at}`, () => ctxTime(1, r.at)), contextSeq(2, [contextSeq(EMAIL_CONTENTS, email)])];
}

// ---- decoding ----

export function decodePdu(bytes: Uint8Array): DecodedPsPdu {
  const top = childrenOf(parseBer(bytes), 'PS-PDU');
  const header = readHeader(childrenOf(requireChild(top, 1, 'pSHeader'), 'pSHeader'));
  const [payload] = childrenOf(requireChild(top, 2, 'payload'), 'payload');
  if (payload === undefined || payload.idBlock.tagClass !== 3) throw new Error('payload: empty');
  const choice = payload.idBlock.tagNumber;
  if (choice === PAYLOAD.tri) {
    if (child(childrenOf(payload, 'tRIPayload'), KEEP_ALIVE) === undefined) throw new Error('tRIPayload: not a keep-alive');
    return {header, record: 'keepAlive'};
  }
  const [item, ...more] = childrenOf(payload, 'payload sequence');
  if (item === undefined || more.length > 0) throw new Error('payload sequence: bonnie writes exactly one record per PS-PDU');
  const fields = childrenOf(item, 'payload item');
  if (choice === PAYLOAD.iri) {
    const record = readIri(header.liid, fields);
    return {header, record, iriType: readInteger(requireChild(fields, 0, 'iRIType'))};
  }
  if (choice === PAYLOAD.cc) return {header, record: readCc(header.liid, fields)};
  throw new Error(`payload: choice [${choice}] is not IRI, CC or TRI`);
}

function readHeader(h: asn1.AsnType[]): PsHeader {
  const domain = readOid(requireChild(h, 0, 'li-psDomainId'));
  if (domain !== LI_PS_DOMAIN_ID) throw new Error(`li-psDomainId ${domain}, expected ${LI_PS_DOMAIN_ID}`);
  const cid = childrenOf(requireChild(h, 3, 'communicationIdentifier'), 'communicationIdentifier');
  const network = childrenOf(requireChild(cid, 0, 'networkIdentifier'), 'networkIdentifier');
  const element = child(network, 1);
  const micro = child(h, 7);
  const time = child(h, 5);
  let timestamp: number;
  if (micro !== undefined) {
    const {seconds, microSeconds} = readMicroSeconds(micro);
    timestamp = seconds * 1000 + microSeconds / 1000;
  } else if (time !== undefined) {
    timestamp = readTime(time);
  } else {
    throw new Error('pSHeader: no timeStamp');
  }
  return {
    liid: readText(requireChild(h, 1, 'lawfulInterceptionIdentifier')),
    authCountry: readText(requireChild(h, 2, 'authorizationCountryCode')),
    deliveryCountry: readText(requireChild(cid, 2, 'deliveryCountryCode')),
    operatorId: readText(requireChild(network, 0, 'operatorIdentifier')),
    networkElementId: element === undefined ? '' : readText(element),
    communicationId: readInteger(requireChild(cid, 1, 'communicationIdentityNumber')),
    sequenceNumber: readInteger(requireChild(h, 4, 'sequenceNumber')),
    timestamp,
  };
}

function emailContents(fields: asn1.AsnType[], objId: string, what: string): asn1.AsnType[] {
  const contents = childrenOf(requireChild(fields, 2, `${what}Contents`), `${what}Contents`);
  const email = childrenOf(requireChild(contents, EMAIL_CONTENTS, `email${what}`), `email${what}`);
  const id = readRelativeOid(requireChild(email, 0, `eMail${what}ObjId`));
  if (id !== objId) throw new Error(`email${what} object id ${id}, expected ${objId}`);
  return email;
}

function oneOf<T extends number>(values: Record<string, T>, value: number, what: string): T {
  const found = Object.values(values).find((v) => v === value);
  if (found === undefined) throw new Error(`${what} ${value} is not defined`);
  return found;
}

function keyOf<K extends string>(values: Record<K, number>, value: number, what: string): K {
  const found = (Object.keys(values) as K[]).find((k) => values[k] === value);
  if (found === undefined) throw new Error(`${what} ${value} is not defined`);
  return found;
}

function readIri(liid: string, fields: asn1.AsnType[]): IriRecord {
  const email = emailContents(fields, EMAIL_IRI_OBJ_ID, 'IRI');
  const record: IriRecord = {
    kind: 'iri',
    liid,
    at: readTime(requireChild(fields, 1, 'timeStamp')),
    eventType: oneOf<EmailEventType>(EMAIL_EVENT, readInteger(requireChild(email, 1, 'eventType')), 'eventType'),
    protocol: oneOf<EmailProtocol>(EMAIL_PROTOCOL, readInteger(requireChild(email, 8, 'protocol-ID')), 'protocol-ID'),
  };
  const get = (tag: number): asn1.AsnType | undefined => child(email, tag);
  const client = get(2);
  if (client !== undefined) record.clientAddress = readIpAddress(client);
  const server = get(3);
  if (server !== undefined) record.serverAddress = readIpAddress(server);
  const clientPort = get(4);
  if (clientPort !== undefined) record.clientPort = readInteger(clientPort);
  const serverPort = get(5);
  if (serverPort !== undefined) record.serverPort = readInteger(serverPort);
  const sender = get(9);
  if (sender !== undefined) record.sender = readText(sender);
  const recipients = get(10);
  const count = get(12);
  if (recipients !== undefined) record.recipients = childrenOf(recipients, 'e-mail-Recipients').map((r) => readText(r));
  else if (count !== undefined && readInteger(count) === 0) record.recipients = [];
  const status = get(11);
  if (status !== undefined) record.status = keyOf(STATUS, readInteger(status), 'status');
  const messageId = get(13);
  if (messageId !== undefined) record.messageId = new TextDecoder().decode(readOctets(messageId));
  return record;
}

function readCc(liid: string, fields: asn1.AsnType[]): DecodedCcRecord {
  const email = emailContents(fields, EMAIL_CC_OBJ_ID, 'CC');
  const format = readInteger(requireChild(email, 1, 'eMail-Format'));
  if (format !== EMAIL_FORMAT_APPLICATION) throw new Error(`eMail-Format ${format}: bonnie reads application (2) only`);
  return {
    kind: 'cc',
    liid,
    at: readTime(requireChild(fields, 1, 'timeStamp')),
    direction: keyOf(DIRECTION, readInteger(requireChild(fields, 0, 'payloadDirection')), 'payloadDirection'),
    content: readOctets(requireChild(email, 2, 'content')),
  };
}
