/**
 * The ETSI handover ASN.1, as asn1js values: PS-PDU (ETSI TS 102 232-1, module LI-PS-PDU, IMPLICIT TAGS)
 * carrying e-mail IRI and CC (ETSI TS 102 232-2, module EmailPDU). Encoding is asn1js' (BER with definite
 * lengths, which DER readers such as `openssl asn1parse` accept); this file only states the types and tags.
 *
 * Sources of the tags and object identifiers (the ETSI modules are published at forge.etsi.org, LI
 * asn1 repository; cross-checked against two independent implementations):
 * - OpenLI (OpenLI-NZ/openli) src/collector/etsiencoding/etsiencoding.c `encode_etsili_pshdr` (PSHeader),
 *   src/etsili_core.c `encode_emailiri_body`, `encode_emailcc_body`, `encode_ipaddress`, the relative OIDs
 *   `etsi_emailirioid` {5 2 15 1} and `etsi_emailccoid` {5 2 15 2}, src/etsili_core.h (IRI types, e-mail
 *   events and status), src/intercept.h (payload directions), src/collector/emailiri.h (EmailIRI tags 1-17),
 *   src/collector/etsiencoding/tripayload.c (Payload [2] -> tRIPayload [2]).
 * - libwandder (OpenLI-NZ/libwandder) src/etsili.c: `etsi_lipsdomainid` {0 4 0 2 2 5 1 17} and the decoder's
 *   member tables (PS-PDU, PSHeader, CommunicationIdentifier, NetworkIdentifier, MicroSecondTimeStamp,
 *   Payload, IRIPayload, CCPayload, IRIContents/CCContents with emailIRI/emailCC [1], TRIPayload with
 *   keep-alive [3]).
 *
 * PS-PDU ::= SEQUENCE { pSHeader [1] PSHeader, payload [2] Payload }
 * PSHeader ::= SEQUENCE { li-psDomainId [0] OID, lawfulInterceptionIdentifier [1] OCTET STRING,
 *   authorizationCountryCode [2] PrintableString, communicationIdentifier [3] CommunicationIdentifier,
 *   sequenceNumber [4] INTEGER, timeStamp [5] GeneralizedTime, interceptionPointID [6],
 *   microSecondTimeStamp [7] MicroSecondTimeStamp, timeStampQualifier [8] ENUMERATED }
 * CommunicationIdentifier ::= SEQUENCE { networkIdentifier [0] SEQUENCE { operatorIdentifier [0] OCTET
 *   STRING, networkElementIdentifier [1] OCTET STRING }, communicationIdentityNumber [1] INTEGER,
 *   deliveryCountryCode [2] PrintableString }
 * Payload ::= CHOICE { iRIPayloadSequence [0] SEQUENCE OF IRIPayload, cCPayloadSequence [1] SEQUENCE OF
 *   CCPayload, tRIPayload [2] TRIPayload, ... }
 * IRIPayload ::= SEQUENCE { iRIType [0] ENUMERATED, timeStamp [1] GeneralizedTime, iRIContents [2]
 *   IRIContents (emailIRI [1]) }; CCPayload ::= SEQUENCE { payloadDirection [0] ENUMERATED, timeStamp [1],
 *   cCContents [2] CCContents (emailCC [1]) }; TRIPayload ::= CHOICE { ..., keep-alive [3] NULL, ... }
 * EmailIRI ::= SEQUENCE { eMailIRIObjId [0] RELATIVE-OID, eventType [1] ENUMERATED, client-Address [2]
 *   IPAddress, server-Address [3] IPAddress, client-Port [4] INTEGER, server-Port [5] INTEGER, protocol-ID [8]
 *   ENUMERATED, e-mail-Sender [9] UTF8String, e-mail-Recipients [10] SEQUENCE OF UTF8String, status [11]
 *   ENUMERATED, total-Recipient-Count [12] INTEGER, message-ID [13] OCTET STRING, ... }
 * EmailCC ::= SEQUENCE { eMailCCObjId [0] RELATIVE-OID, eMail-Format [1] ENUMERATED { ip-packet(1),
 *   application(2) }, content [2] OCTET STRING }
 * IPAddress ::= SEQUENCE { iP-type [1] ENUMERATED { iPV4(0), iPV6(1) }, iP-value [2] CHOICE {
 *   iPBinaryAddress [1] OCTET STRING, iPTextAddress [2] IA5String }, iP-assignment [3] ENUMERATED }
 */
import {isIPv4, isIPv6} from 'node:net';
import * as asn1 from 'asn1js';

/** li-psDomainId: {itu-t(0) identified-organization(4) etsi(0) securityDomain(2) lawfulIntercept(2) li-ps(5) genHeader(1) version17(17)}. */
export const LI_PS_DOMAIN_ID = '0.4.0.2.2.5.1.17';
/** EmailIRI's object id, relative to lawfulInterceptDomainId: {li-ps(5) email(2) version15(15) iRI(1)}. */
export const EMAIL_IRI_OBJ_ID = '5.2.15.1';
/** EmailCC's: {li-ps(5) email(2) version15(15) cC(2)}. */
export const EMAIL_CC_OBJ_ID = '5.2.15.2';

/** IRIType (TS 102 232-1). */
export const IRI_TYPE = {begin: 1, end: 2, continue: 3, report: 4} as const;
/** TimeStampQualifier: the time is when the event was intercepted. */
export const TIME_OF_INTERCEPTION = 1;
/** EmailCC eMail-Format: the message as the application handles it (RFC 5322), not IP packets. */
export const EMAIL_FORMAT_APPLICATION = 2;
/** IPAddress iP-assignment: notKnown. */
const IP_ASSIGNMENT_UNKNOWN = 3;

const CONTEXT = 3;
type Block = asn1.AsnType;

// asn1js' typed classes take their universal tag in the constructor; an IMPLICIT tag replaces it after.
function tagged<T extends asn1.BaseBlock>(tag: number, block: T): T {
  block.idBlock.tagClass = CONTEXT;
  block.idBlock.tagNumber = tag;
  return block;
}

/** `[tag]` constructed: a SEQUENCE under an implicit tag, or an explicit tag around a CHOICE. */
export function contextSeq(tag: number, value: Block[]): asn1.Constructed {
  return new asn1.Constructed({idBlock: {tagClass: CONTEXT, tagNumber: tag}, value});
}
export function ctxOid(tag: number, value: string): asn1.ObjectIdentifier {
  return tagged(tag, new asn1.ObjectIdentifier({value}));
}
export function ctxRelativeOid(tag: number, value: string): asn1.RelativeObjectIdentifier {
  return tagged(tag, new asn1.RelativeObjectIdentifier({value}));
}
export function ctxOctets(tag: number, value: Uint8Array | string): asn1.OctetString {
  const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value;
  return tagged(tag, new asn1.OctetString({valueHex: bytes}));
}
export function ctxPrintable(tag: number, value: string): asn1.PrintableString {
  return tagged(tag, new asn1.PrintableString({value}));
}
export function ctxUtf8(tag: number, value: string): asn1.Utf8String {
  return tagged(tag, new asn1.Utf8String({value}));
}
export function ctxInteger(tag: number, value: number): asn1.Integer {
  if (!Number.isSafeInteger(value)) throw new Error(`not a whole number: ${value}`);
  return tagged(tag, new asn1.Integer({value}));
}
export function ctxEnumerated(tag: number, value: number): asn1.Enumerated {
  return tagged(tag, new asn1.Enumerated({value}));
}
export function ctxTime(tag: number, ms: number): asn1.GeneralizedTime {
  return tagged(tag, new asn1.GeneralizedTime({valueDate: new Date(ms)}));
}
export function ctxNull(tag: number): asn1.Primitive {
  return new asn1.Primitive({idBlock: {tagClass: CONTEXT, tagNumber: tag}});
}

/**
 * A value that is the same in every PDU (an object id, a warrant's LIID and country codes), encoded once by
 * asn1js and then handed to asn1js' writer as those bytes whenever a PDU that holds it is encoded: serve
 * encodes two PDUs per intercepted delivery, and asn1js encodes every block anew on each toBER().
 */
export class PreEncoded extends asn1.BaseBlock {
  private readonly bytes: ArrayBuffer;

  constructor(block: Block) {
    super();
    this.bytes = block.toBER(false);
  }

  override toBER(_sizeOnly?: boolean, writer?: asn1.ViewWriter): ArrayBuffer {
    if (writer === undefined) return this.bytes;
    writer.write(this.bytes);
    return new ArrayBuffer(0);
  }
}

/** Blocks encoded once by key, at most `kept` of them (then the memo starts again). */
function preEncodedMemo(kept: number): (key: string, make: () => Block) => PreEncoded {
  const memo = new Map<string, PreEncoded>();
  return (key, make) => {
    let block = memo.get(key);
    if (block === undefined) {
      if (memo.size >= kept) memo.clear();
      block = new PreEncoded(make());
      memo.set(key, block);
    }
    return block;
  };
}

/** A small value of a closed set (an enumeration, a recipient count, a server's address): encoded once. */
export const memoized = preEncodedMemo(4096);

/**
 * A value of the event being encoded (its time stamps, its CIN): the IRI and the CC record of one delivery
 * carry the same ones, each twice (header and payload). The last few are kept, encoded.
 */
export const recent = preEncodedMemo(16);

/** MicroSecondTimeStamp ::= SEQUENCE { seconds [0] INTEGER, microSeconds [1] INTEGER } from ms. */
export function microSecondTimeStamp(tag: number, ms: number): asn1.Constructed {
  const seconds = Math.floor(ms / 1000);
  return contextSeq(tag, [ctxInteger(0, seconds), ctxInteger(1, Math.round((ms - seconds * 1000) * 1000))]);
}

// Values that are the same in every PDU are built once: asn1js encodes a block anew on each toBER().
const IP_TYPE_V4 = new PreEncoded(ctxEnumerated(1, 0));
const IP_TYPE_V6 = new PreEncoded(ctxEnumerated(1, 1));
const IP_ASSIGNMENT = new PreEncoded(ctxEnumerated(3, IP_ASSIGNMENT_UNKNOWN));

/** IPAddress from its text (`127.0.0.1`, `::1`): binary, 4 or 16 octets. Throws on anything else. */
export function ipAddress(tag: number, text: string): asn1.Constructed {
  const v6 = isIPv6(text);
  if (!v6 && !isIPv4(text)) throw new Error(`not an IP address: ${text}`);
  const bytes = v6 ? ipv6Bytes(text) : Uint8Array.from(text.split('.').map(Number));
  return contextSeq(tag, [v6 ? IP_TYPE_V6 : IP_TYPE_V4, contextSeq(2, [ctxOctets(1, bytes)]), IP_ASSIGNMENT]);
}

/** The 16 octets of an IPv6 address in any RFC 4291 text form (`::`, embedded IPv4). */
function ipv6Bytes(text: string): Uint8Array {
  let groups = text.split('%')[0] ?? text;
  const last = groups.slice(groups.lastIndexOf(':') + 1);
  if (isIPv4(last)) {
    const [a = 0, b = 0, c = 0, d = 0] = last.split('.').map(Number);
    groups = `${groups.slice(0, groups.lastIndexOf(':') + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = groups.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const words = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right].map((w) => Number.parseInt(w, 16));
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    bytes[i * 2] = w >> 8;
    bytes[i * 2 + 1] = w & 0xff;
  });
  return bytes;
}

// ---- reading back (tests and debugging) ----

/** A decoded element's children (constructed), or an error naming what was expected. */
export function childrenOf(block: Block, what: string): Block[] {
  if (!(block instanceof asn1.Constructed) && !(block instanceof asn1.Sequence)) throw new Error(`${what}: not constructed`);
  return block.valueBlock.value;
}

/** The child with context tag `tag`, if any. */
export function child(children: Block[], tag: number): Block | undefined {
  return children.find((c) => c.idBlock.tagClass === CONTEXT && c.idBlock.tagNumber === tag);
}

export function requireChild(children: Block[], tag: number, what: string): Block {
  const found = child(children, tag);
  if (found === undefined) throw new Error(`${what} [${tag}] missing`);
  return found;
}

function contentOf(block: Block): Uint8Array {
  // A context tag decodes as asn1js' Primitive, a universal one (recipients' UTF8String) as its class.
  const value: unknown = block.valueBlock;
  if (block.idBlock.isConstructed || typeof value !== 'object' || value === null || !('valueHexView' in value) || !(value.valueHexView instanceof Uint8Array)) {
    throw new Error('expected a primitive value');
  }
  return new Uint8Array(value.valueHexView);
}

export function readOctets(block: Block): Uint8Array {
  return contentOf(block);
}
export function readText(block: Block): string {
  return new TextDecoder('utf-8', {fatal: true}).decode(contentOf(block));
}
export function readInteger(block: Block): number {
  const value = new asn1.Integer({valueHex: contentOf(block)}).toBigInt();
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) throw new Error(`integer out of range: ${value}`);
  return Number(value);
}
export function readOid(block: Block): string {
  const oid = new asn1.ObjectIdentifier();
  const bytes = contentOf(block);
  oid.valueBlock.fromBER(bytes, 0, bytes.length);
  return oid.getValue();
}
export function readRelativeOid(block: Block): string {
  const oid = new asn1.RelativeObjectIdentifier();
  const bytes = contentOf(block);
  oid.valueBlock.fromBER(bytes, 0, bytes.length);
  return oid.getValue();
}
export function readTime(block: Block): number {
  const time = new asn1.GeneralizedTime();
  time.fromString(readText(block));
  return time.toDate().getTime();
}
export function readMicroSeconds(block: Block): {seconds: number; microSeconds: number} {
  const parts = childrenOf(block, 'MicroSecondTimeStamp');
  return {seconds: readInteger(requireChild(parts, 0, 'seconds')), microSeconds: readInteger(requireChild(parts, 1, 'microSeconds'))};
}

/** IPAddress back to text (binary v4/v6, or the text form). */
export function readIpAddress(block: Block): string {
  const value = childrenOf(requireChild(childrenOf(block, 'IPAddress'), 2, 'iP-value'), 'iP-value');
  const binary = child(value, 1);
  if (binary === undefined) return readText(requireChild(value, 2, 'iPTextAddress'));
  const bytes = readOctets(binary);
  if (bytes.length === 4) return [...bytes].join('.');
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  // WHATWG URL parsing prints an IPv6 host in its canonical RFC 5952 form.
  return new URL(`http://[${words.join(':')}]/`).hostname.slice(1, -1);
}

/** Decodes BER bytes with asn1js; throws on trailing or broken bytes. */
export function parseBer(bytes: Uint8Array): Block {
  const decoded = asn1.fromBER(bytes);
  if (decoded.offset === -1) throw new Error(`not BER: ${decoded.result.error}`);
  if (decoded.offset !== bytes.length) throw new Error(`${bytes.length - decoded.offset} bytes after the PS-PDU`);
  return decoded.result;
}
