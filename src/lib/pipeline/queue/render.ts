/** Human rendering for `bonnie queue` and `bonnie quarantine`; `--json` prints the objects themselves. */
import type {QueueAction} from './actions.js';
import type {JobListing, RetrySummary} from './job-admin.js';
import type {AcknowledgeOutcome, QuarantineListing, QuarantinedDetail, RequeueOutcome} from './quarantine.js';

/**
 * Bytes made safe to print on a terminal: valid UTF-8 text stays as it is, line breaks included; every
 * control character (C0 but the line feed, DEL, C1), every bidirectional override (they reorder what a
 * reader sees, "Trojan Source") and every byte that is not UTF-8 is written as an escape (`\r`, `\t`,
 * `\x1b`, `\u{202e}`), and a backslash as `\\`, so the output can be read back unambiguously.
 */
export function escapeForTerminal(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const length = sequenceLength(bytes, i);
    if (length === 0) {
      out += `\\x${hex(bytes[i] as number)}`;
      i++;
      continue;
    }
    out += escapeText(Buffer.from(bytes.buffer, bytes.byteOffset + i, length).toString('utf8'));
    i += length;
  }
  return out;
}

/** Length of the well-formed UTF-8 sequence at `i` (RFC 3629 section 4: no overlongs, no surrogates), or 0. */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b = bytes[i] as number;
  if (b < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => {
    const c = bytes[i + k];
    return c !== undefined && c >= lo && c <= hi;
  };
  if (b >= 0xc2 && b <= 0xdf) return cont(1) ? 2 : 0;
  if (b === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((b >= 0xe1 && b <= 0xec) || b === 0xee || b === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (b === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b >= 0xf1 && b <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

function escapeText(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${hex(code)}`;
    else if ((code >= 0x80 && code <= 0x9f) || (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069) || code === 0x200e || code === 0x200f || code === 0x061c) {
      out += `\\u{${code.toString(16)}}`;
    } else out += ch;
  }
  return out;
}

const hex = (n: number) => n.toString(16).padStart(2, '0');

export function renderJobs(listing: JobListing): string {
  const states = listing.states.join(' or ');
  if (listing.jobs.length === 0) return `No job is ${states}.`;
  const lines = [`${listing.total} job(s) ${states}${listing.jobs.length < listing.total ? `, the first ${listing.jobs.length} shown` : ''}:`];
  for (const j of listing.jobs) {
    const where = j.mailbox ?? j.mailboxId ?? '-';
    const retry = j.retryAt === null ? '' : `, retried after ${j.retryAt}`;
    lines.push(`#${j.notificationId}  ${j.state}  ${j.eventType}  ${oneLine(where)}  received ${j.receivedAt}  ${j.attempts} attempt(s), ${j.crashes} crash(es)${retry}`);
    if (j.lastError !== null) lines.push(`    last error: ${oneLine(j.lastError)}`);
    for (const r of j.retries) lines.push(`    ${describeAction(r)}`);
  }
  return lines.join('\n');
}

export function renderRetry(summary: RetrySummary): string {
  const lines = summary.retried.map((r) => `#${r.notificationId}: ${r.fromState} -> pending (had ${r.attempts} attempt(s), ${r.crashes} crash(es))`);
  for (const s of summary.skipped) lines.push(`#${s.notificationId}: left alone, it is ${s.state} (only failed and dead jobs are re-queued)`);
  lines.push(`${summary.retried.length} job(s) re-queued; "bonnie process" applies them.`);
  return lines.join('\n');
}

export function renderQuarantineList(listing: QuarantineListing): string {
  const head = `${listing.needingReview} of ${listing.total} quarantined delivery(ies) need review.`;
  const lines = [head];
  for (const d of listing.deliveries) {
    const resolution = d.resolution === null ? 'not reviewed' : `${d.resolution} ${d.resolvedAt} by ${oneLine(d.resolvedBy ?? '?')}${d.needsReview ? ', delivered again since' : ''}`;
    lines.push(`#${d.id}  ${d.receivedAt}  ${d.source}  ${d.size} B  ${d.deliveries} delivery(ies)  ${resolution}`);
    lines.push(`    ${oneLine(d.reason)}`);
  }
  return lines.join('\n');
}

export function renderQuarantined(d: QuarantinedDetail): string {
  const lines = [
    `quarantine #${d.id}`,
    `received       ${d.receivedAt} (last ${d.lastDeliveredAt}, ${d.deliveries} delivery(ies))`,
    `source         ${d.source}${d.spillFile === null ? '' : ` (spill file ${oneLine(d.spillFile)})`}`,
    `size           ${d.size} B`,
    `reason         ${oneLine(d.reason)}`,
    `resolution     ${d.resolution === null ? 'none: needs review' : `${d.resolution} ${d.resolvedAt} by ${oneLine(d.resolvedBy ?? '?')}${d.needsReview ? ' (delivered again since: needs review)' : ''}`}`,
  ];
  for (const a of d.actions) lines.push(`               ${describeAction(a)}`);
  lines.push('', `bytes (escaped; --raw writes them as they are):`, escapeForTerminal(d.raw));
  return lines.join('\n');
}

export function renderRequeue(outcomes: RequeueOutcome[]): string {
  return outcomes
    .map((o) => {
      const queued = o.queued.length === 0 ? 'nothing new queued' : `queued as notification(s) ${o.queued.join(', ')}`;
      const already = o.alreadyQueued.length === 0 ? '' : `; already notification(s) ${o.alreadyQueued.join(', ')}`;
      return o.outcome === 'requeued' ? `#${o.id}: requeued, ${queued}${already}` : `#${o.id}: still not a valid event (${oneLine(o.problems.join('; '))}); ${queued}${already}; it still needs review`;
    })
    .join('\n');
}

export function renderAcknowledge(outcomes: AcknowledgeOutcome[]): string {
  return outcomes.map((o) => (o.acknowledged ? `#${o.id}: acknowledged` : `#${o.id}: left alone, already ${o.was ?? 'resolved'}`)).join('\n');
}

function describeAction(a: QueueAction): string {
  return `${a.at} ${oneLine(a.actor)}: ${a.action}, ${oneLine(a.detail)}${a.reason === null ? '' : ` (reason: ${oneLine(a.reason)})`}`;
}

/** Text from the catalog (errors, names, reasons) on one terminal line. */
function oneLine(text: string): string {
  return escapeForTerminal(Buffer.from(text, 'utf8')).replace(/\n/g, '\\n');
}
