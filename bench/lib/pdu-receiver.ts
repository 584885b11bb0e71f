/**
 * The agency's side for bench/intercept.ts, in a process of its own (forked with an IPC channel): two TCP
 * receivers on loopback, HI2 and HI3, that cut the stream into PS-PDUs as it comes, stamp each with the
 * time its last byte arrived, and decode them only when asked. In the benchmark's own process the receiving competed with the LMTP client being timed
 * (the agency is another machine in real life), and decoding every PDU of the run on each poll blocked its
 * event loop longer each round, stamping late the PDUs that came meanwhile.
 *
 * Messages: to the parent `{ports: {hi2, hi3}}` once listening; on `'count'` from it, `{count}` (PDUs
 * received so far, cheap: nothing decoded); on `'take'`, `{arrivals}` (the PDUs received since the last
 * take, decoded, keep-alives left out). Decoding blocks the stamping: take only once the PDUs awaited came.
 */
import {createServer} from 'node:net';
import {decodePsPdu} from '../../dist/lib/pipeline/intercept/handover/records.js';

export interface Arrival {
  hi: 2 | 3;
  seq: number;
  liid: string;
  /** When the PDU's last byte arrived - its timeStamp (the event's time as Cyrus stamped it). */
  latencyMs: number;
}

/**
 * The length of the BER element at the head of `bytes` (identifier, length and contents), or undefined
 * while its header or contents have not all arrived. Hand-written because a PDU must be stamped when its
 * last byte comes, in the 'data' handler: asn1js reads a header only as part of decoding the whole
 * element, and decoding there took this receiver's event loop (stamping late whatever came meanwhile).
 * A PS-PDU is a SEQUENCE (one identifier octet) of definite length (DER).
 */
export function elementLength(bytes: Buffer): number | undefined {
  if (bytes.length < 2) return undefined;
  const first = bytes[1] as number;
  if (first < 0x80) return bytes.length >= 2 + first ? 2 + first : undefined;
  const octets = first & 0x7f;
  if (octets === 0 || octets > 4) throw new Error(`not a definite-length PDU (length octet 0x${first.toString(16)})`);
  if (bytes.length < 2 + octets) return undefined;
  const total = 2 + octets + bytes.readUIntBE(2, octets);
  return bytes.length >= total ? total : undefined;
}

async function listen(hi: 2 | 3) {
  /** Whole PDUs, each with the time its last byte came; decoded on take(). */
  const pdus: Array<{at: number; bytes: Buffer}> = [];
  const server = createServer((socket) => {
    let head: Buffer = Buffer.alloc(0);
    socket.on('error', () => undefined);
    socket.on('data', (bytes: Buffer) => {
      const at = Date.now();
      head = head.length === 0 ? bytes : Buffer.concat([head, bytes]);
      for (let n = elementLength(head); n !== undefined; n = elementLength(head)) {
        pdus.push({at, bytes: head.subarray(0, n)});
        head = head.subarray(n);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const take = (): Arrival[] => {
    const out: Arrival[] = [];
    const some = pdus.splice(0);
    cut += some.length;
    for (const {at, bytes} of some) {
      const pdu = decodePsPdu(bytes);
      if (pdu.record !== 'keepAlive') out.push({hi, seq: pdu.header.sequenceNumber, liid: pdu.header.liid, latencyMs: at - pdu.header.timestamp});
    }
    return out;
  };
  let cut = 0;
  return {port: (server.address() as {port: number}).port, take, count: () => cut + pdus.length};
}

const hi2 = await listen(2);
const hi3 = await listen(3);
process.on('message', (message) => {
  if (message === 'count') process.send?.({count: hi2.count() + hi3.count()});
  if (message === 'take') process.send?.({arrivals: [...hi2.take(), ...hi3.take()]});
});
process.on('disconnect', () => process.exit(0));
process.send?.({ports: {hi2: hi2.port, hi3: hi3.port}});
