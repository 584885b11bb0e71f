/**
 * Interception records (issue 16, items 2 and 3): a Cyrus event mapped to the ETSI TS 102 232-2 e-mail IRI
 * and CC records it stands for, and a record BER-encoded as a TS 102 232-1 PS-PDU. The mapping is pure
 * (no I/O, no clock); the serve side queues the records, numbers them per intercept and reads a CC
 * record's bytes from the spool before encoding it. The types live in record-types.ts.
 */
import type {BonnieEvent} from '../../../core/event/types.js';
import {mapEventRecords} from './event-map.js';
import {decodePdu, encodeKeepAlivePdu, encodeRecordPdu} from './pdu.js';
import type {CcRecordWithContent, DecodedPsPdu, InterceptRecord, IriRecord, MapContext, PsHeader, WatchedIntercept} from './record-types.js';

export {EMAIL_EVENT, EMAIL_PROTOCOL} from './record-types.js';
export {SessionEndpointBook} from './session-endpoints.js';
export type {
  CcRecord,
  CcRecordWithContent,
  DecodedCcRecord,
  DecodedPsPdu,
  EmailEventType,
  EmailProtocol,
  EmailStatus,
  InterceptRecord,
  IriRecord,
  MapContext,
  MessageRef,
  PayloadDirection,
  PsHeader,
  SessionEndpoints,
  WatchedIntercept,
} from './record-types.js';

/**
 * The records an event stands for, for every intercept it concerns (by the mailbox's owner, the acting
 * login, or for a delivery to a shared folder the recipients' addresses), nothing outside an intercept's
 * start..end (or its early end). Pure. Order: intercepts as given; per intercept, per UID, IRI before CC.
 * Throws when the event has no timestamp and `context.receivedAt` is not given.
 */
export function mapEvent(event: BonnieEvent, intercepts: readonly WatchedIntercept[], context: MapContext = {}): InterceptRecord[] {
  return mapEventRecords(event, intercepts, context);
}

/** One record as a BER-encoded (definite lengths, DER-compatible) PS-PDU. */
export function encodePsPdu(header: PsHeader, record: IriRecord | CcRecordWithContent): Uint8Array {
  return encodeRecordPdu(header, record);
}

/** A keep-alive PS-PDU (payload tRIPayload keep-alive), to send when the link has been idle. */
export function encodeKeepAlive(header: PsHeader): Uint8Array {
  return encodeKeepAlivePdu(header);
}

/** Decodes one PS-PDU (the whole buffer) into what {@link encodePsPdu} was given. Throws on anything else. */
export function decodePsPdu(bytes: Uint8Array): DecodedPsPdu {
  return decodePdu(bytes);
}
