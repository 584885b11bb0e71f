/**
 * `bonnie trace` for people: each message's hops (host, queue ID, when, from whom, then each recipient's
 * delivery attempts), where it was placed in the mail store, each recipient's outcome, and what happened to
 * it in the mailbox (the newest timeline entries of its history).
 */
import type {Trace, TraceDelivery, TraceHop, TraceReport} from './trace.js';

export function renderTrace(report: TraceReport): string {
  const out: string[] = [];
  report.traces.forEach((trace, i) => {
    if (i > 0) out.push('');
    out.push(...renderOne(trace));
  });
  if (report.rejects.length > 0) {
    if (out.length > 0) out.push('');
    out.push('Refused before queueing:');
    for (const r of report.rejects) out.push(`  ${r.at}  ${r.host}  from ${address(r.from)} to ${address(r.to)}  ${r.client ?? ''}  ${[r.dsn, r.reason].filter(Boolean).join(' ')}`.trimEnd());
  }
  if (report.truncated) out.push('', '(more matched: narrow with --since/--until, or raise --limit)');
  return out.join('\n');
}

function renderOne(trace: Trace): string[] {
  const out = [`Message ${trace.messageId ?? '(no Message-ID logged)'}`];
  for (const hop of trace.hops) out.push(...renderHop(hop));
  for (const p of trace.placements) out.push(`  mailbox  ${p.placementRef}  ${p.messageRef}  placed ${p.at}${p.sessionId === null ? '' : `  session ${p.sessionId}`}`);
  for (const l of trace.lmtpd) out.push(`  lmtpd    ${l.host}  ${l.mailbox}  ${l.at}`);
  if (trace.outcomes.length > 0) {
    out.push('  outcome:');
    for (const o of trace.outcomes) out.push(`    ${o.recipient || '(all recipients)'}  ${o.status}  at ${o.host} ${o.at}${o.status === 'delivered' || o.reason === null ? '' : `  (${o.reason})`}`);
  }
  for (const h of trace.history) {
    const entries = h.timeline.filter((e) => e.action !== 'delivered');
    if (entries.length === 0) continue;
    out.push(`  then, ${h.message.ref}:`);
    if (h.omitted > 0) out.push(`    (${h.omitted} older entries left out)`);
    for (const e of entries) out.push(`    ${e.at}  ${e.actor ?? '-'}  ${e.summary}`);
  }
  return out;
}

function renderHop(hop: TraceHop): string[] {
  const what = hop.origin === 'notice' ? `notice of ${hop.noticeOf ?? '?'}` : hop.origin === 'pickup' ? 'submitted locally' : hop.client === null ? 'received' : `received from ${hop.client}${hop.protocol === null ? '' : ` (${hop.protocol})`}`;
  const facts = [hop.from === null ? undefined : `from ${address(hop.from)}`, hop.size === null ? undefined : `${hop.size} bytes`, hop.nrcpt === null ? undefined : `${hop.nrcpt} rcpt`].filter(Boolean);
  const out = [`  ${hop.host}  ${hop.mta} ${hop.queueId}  ${hop.receivedAt}  ${what}${facts.length > 0 ? `  ${facts.join(', ')}` : ''}`];
  for (const d of hop.deliveries) out.push(`    ${renderDelivery(d)}`);
  if (hop.removedAt !== null) out.push(`    removed from the queue ${hop.removedAt}`);
  return out;
}

function renderDelivery(d: TraceDelivery): string {
  const to = d.origTo !== null && d.origTo !== d.to ? `${d.to} (was ${d.origTo})` : d.to || '(all recipients)';
  const next = d.nextQueueId === null ? '' : `  -> ${d.nextHost ?? '(host not read)'} ${d.nextQueueId}`;
  const session = d.sessionId === null ? '' : `  session ${d.sessionId}`;
  return `${d.at}  ${to}  ${d.status}${d.dsn === null ? '' : ` ${d.dsn}`}  via ${d.relay ?? '-'}${next}${session}${d.reason === null ? '' : `  (${d.reason})`}`;
}

function address(a: string | null): string {
  return a === null ? '?' : a === '' ? '<>' : a;
}
