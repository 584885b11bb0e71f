#!/usr/bin/env node
// For the demo: lays out a Cyrus 3.6 spool (partition-default) holding the folders and messages the bundled
// sample events talk about, as Cyrus does (FACTS.md, scripts/lib/cyrus-spool.js): per folder a cyrus.header,
// a cyrus.index with each message's UID, flags, internal date and modseq, and one file <UID>. per message.
// The samples carry envelopes, not bodies: each message is rebuilt from its envelope with a short body.
// Flags follow the FlagsSet/FlagsClear/MessageRead events, MessageExpunge marks a message expunged (its file
// stays, as until cyr_expire), a move expunges its source. Usage: demo-spool.js SPOOL EVENT.json...
import {readFileSync} from 'node:fs';
import {parseNotification} from '../dist/lib/core/event/parse.js';
import {writeMailbox} from './lib/cyrus-spool.js';

const [spool, ...files] = process.argv.slice(2);
if (spool === undefined) {
  console.error('usage: demo-spool.js SPOOL EVENT.json...');
  process.exit(2);
}

/** mailboxID -> {name, uidValidity, modseq, messages: Map<uid, {bytes, flags: Set, internalDate, modseq, expunged}>} */
const folders = new Map();
const byName = new Map();
const folderOf = (event) => {
  let folder = folders.get(event.mailboxId);
  if (folder === undefined) {
    folder = {name: event.mailbox.name, uidValidity: event.mailbox.uidValidity ?? 1, modseq: 0, messages: new Map()};
    folders.set(event.mailboxId, folder);
  }
  folder.name = event.mailbox.name;
  byName.set(folder.name, event.mailboxId);
  return folder;
};
const touch = (folder, event) => (folder.modseq = Math.max(folder.modseq + 1, event.modseq ?? 0));

for (const file of files) {
  const parsed = parseNotification(readFileSync(file, 'utf8'));
  if (!parsed.ok) continue;
  const {event} = parsed;
  if (event.mailboxId === undefined || event.mailbox === undefined) continue;
  const folder = folderOf(event);
  const at = Date.parse(event.timestamp ?? '') || Date.UTC(2026, 10, 22, 11, 54);
  if (event.type === 'MessageAppend' || event.type === 'MessageNew') {
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
    for (const uid of event.uids) folder.messages.set(uid, {bytes: Buffer.from(message), flags: new Set(event.flags), internalDate: at, modseq: touch(folder, event), expunged: false});
  } else if ((event.type === 'vnd.cmu.MessageCopy' || event.type === 'vnd.cmu.MessageMove') && event.sourceMailbox !== undefined) {
    const source = folders.get(byName.get(event.sourceMailbox.name));
    if (source === undefined) continue;
    for (const [uid, sourceUid] of event.uids.pairs(event.sourceUids)) {
      const original = source.messages.get(sourceUid);
      if (original === undefined) continue;
      folder.messages.set(uid, {...original, flags: new Set(original.flags), modseq: touch(folder, event), expunged: false});
      if (event.type === 'vnd.cmu.MessageMove') Object.assign(original, {expunged: true, modseq: touch(source, event)});
    }
  } else if (event.type === 'FlagsSet' || event.type === 'FlagsClear' || event.type === 'MessageRead') {
    for (const uid of event.uids) {
      const m = folder.messages.get(uid);
      if (m === undefined) continue;
      const flags = event.type === 'MessageRead' ? ['\\Seen'] : event.flags;
      for (const f of flags) {
        if (event.type === 'FlagsClear') m.flags.delete(f);
        else m.flags.add(f);
      }
      m.modseq = touch(folder, event);
    }
  } else if (event.type === 'MessageExpunge' || event.type === 'MessageExpire') {
    for (const uid of event.uids) {
      const m = folder.messages.get(uid);
      if (m !== undefined) Object.assign(m, {expunged: true, modseq: touch(folder, event)});
    }
  }
}

for (const [mailboxId, folder] of folders) {
  // Internal names put a virtual domain first: user.alice@example.org -> example.org!user.alice.
  const at = folder.name.lastIndexOf('@');
  const internal = at > 0 ? `${folder.name.slice(at + 1)}!${folder.name.slice(0, at)}` : folder.name;
  writeMailbox(spool, {
    mailboxId,
    name: internal,
    uidValidity: folder.uidValidity,
    highestModseq: folder.modseq,
    messages: [...folder.messages].map(([uid, m]) => ({uid, bytes: m.bytes, flags: [...m.flags], internalDate: m.internalDate, modseq: m.modseq, expunged: m.expunged})),
  });
}
