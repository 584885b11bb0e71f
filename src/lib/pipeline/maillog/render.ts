/** `bonnie maillog`'s summary for people: one line per file, then the totals. */
import type {MaillogResult} from './ingest.js';

export function renderMaillogResult(result: MaillogResult): string {
  const out: string[] = [];
  for (const f of result.files) {
    if (f.fingerprint === null) out.push(`${f.path}: empty, nothing to read yet`);
    else if (f.lines === 0) out.push(`${f.path}: nothing new`);
    else out.push(`${f.path}: ${f.lines} new line(s), ${f.records} about messages, ${f.ignored} ignored, ${f.unknown} unknown`);
  }
  const s = result.stored;
  out.push(`Stored ${s.entries} queue entr${s.entries === 1 ? 'y' : 'ies'}, ${s.deliveries} deliver${s.deliveries === 1 ? 'y' : 'ies'}, ${s.rejects} reject(s), ${s.mailboxDeliveries} lmtpd deliver${s.mailboxDeliveries === 1 ? 'y' : 'ies'}.`);
  if (result.unknown > 0) out.push(`${result.unknown} line(s) of mail programs were not understood: counted, not stored (a newer MTA's format?).`);
  return out.join('\n');
}
