#!/usr/bin/env node
// For the demo: lays out a Cyrus spool (partition-default) holding the messages the bundled sample events
// talk about, as Cyrus 3.6 does: <spool>/uuid/<id[0]>/<id[1]>/<mailboxID>/<UID>. (FACTS.md), mode 0600,
// copies and moves as hard links of their source. The samples carry envelopes, not bodies: each message is
// rebuilt from its envelope with a short body. Usage: demo-spool.js SPOOL EVENT.json...
import {linkSync, mkdirSync, writeFileSync} from 'node:fs';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {parseNotification} from '../dist/lib/event/parse.js';

const [spool, ...files] = process.argv.slice(2);
if (spool === undefined) {
  console.error('usage: demo-spool.js SPOOL EVENT.json...');
  process.exit(2);
}
const pathOf = (mailboxId, uid) => join(spool, 'uuid', mailboxId[0], mailboxId[1], mailboxId, `${uid}.`);
const byName = new Map();
for (const file of files) {
  const parsed = parseNotification(readFileSync(file, 'utf8'));
  if (!parsed.ok) continue;
  const {event} = parsed;
  if (event.mailboxId === undefined || event.mailbox === undefined) continue;
  byName.set(event.mailbox.name, event.mailboxId);
  const folder = join(spool, 'uuid', event.mailboxId[0], event.mailboxId[1], event.mailboxId);
  if (event.type === 'MessageAppend' || event.type === 'MessageNew') {
    mkdirSync(folder, {recursive: true, mode: 0o700});
    const e = event.envelope;
    const address = (list) => list.map((a) => a.address).join(', ');
    const message = [
      `Date: ${e?.date ?? 'Sun, 22 Nov 2026 11:54:00 -0000'}`,
      `From: ${address(e?.from ?? [])}`,
      `To: ${address(e?.to ?? [])}`,
      `Subject: ${e?.subject ?? ''}`,
      `Message-ID: ${e?.messageId ?? event.messageIds[0] ?? ''}`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      `This is "${e?.subject ?? 'a message'}", rebuilt for the bonnie demo from its event.`,
      '',
    ].join('\r\n');
    writeFileSync(pathOf(event.mailboxId, event.uids[0]), message, {mode: 0o600});
  } else if ((event.type === 'vnd.cmu.MessageCopy' || event.type === 'vnd.cmu.MessageMove') && event.sourceMailbox !== undefined) {
    const source = byName.get(event.sourceMailbox.name);
    if (source === undefined) continue;
    mkdirSync(folder, {recursive: true, mode: 0o700});
    event.uids.forEach((uid, i) => linkSync(pathOf(source, event.sourceUids[i]), pathOf(event.mailboxId, uid)));
  }
}
