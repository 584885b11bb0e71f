/**
 * A datagram from Cyrus' notify socket as a delivery to the queue: decoded (notifyd's wire format), each
 * line judged. The capture journal's drain and the quarantine's requeue both use it.
 */
import {decodeNotifyDatagram} from '../../core/event/notify-datagram.js';
import {judge, splitLines, type Delivery, type Verdict} from './ingest.js';

const EVENT_CLASS = 'EVENT';
const MAX_PROBLEMS_SHOWN = 5;
/**
 * Turns one datagram into a delivery: the event's JSON when the datagram is a valid event notification,
 * otherwise the whole datagram marked `rejected` with the reason, for the quarantine.
 */
export function deliveryFromDatagram(bytes: Uint8Array, receivedAt: number): Delivery {
  const reject = (reason: string): Delivery => ({raw: bytes, receivedAt, source: 'notify_socket', rejected: reason});
  const decoded = decodeNotifyDatagram(bytes);
  if (!decoded.ok) return reject(decoded.error);
  const {datagram} = decoded;
  if (datagram.class !== EVENT_CLASS) {
    return reject(`class "${datagram.class}" (method "${datagram.method}") is not an event notification; bonnie does not deliver notifyd's other notifications`);
  }
  const lines = splitLines(datagram.message);
  if (lines.length === 0) return reject(datagram.message.length === 0 ? 'empty message' : 'message holds only blank lines');
  const problems: string[] = [];
  const verdicts: Verdict[] = [];
  for (const {line, number} of lines) {
    const verdict = judge(line);
    if (!verdict.ok) problems.push(lines.length === 1 ? verdict.error : `line ${number}: ${verdict.error}`);
    verdicts.push(verdict);
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_PROBLEMS_SHOWN).join('; ');
    return reject(`message ${problems.length > MAX_PROBLEMS_SHOWN ? `${shown}; and ${problems.length - MAX_PROBLEMS_SHOWN} more lines` : shown}`);
  }
  // Parsing is most of the drain's own work per event: the ingester takes these verdicts instead of judging again.
  return {raw: datagram.message, receivedAt, source: 'notify_socket', verdicts};
}

