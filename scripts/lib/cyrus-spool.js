// Writes Cyrus 3.6 folders the way Cyrus lays them out on disk, for the demo, the benchmarks and tests
// that need a spool without a running Cyrus: <root>/uuid/<id[0]>/<id[1]>/<mailboxID>/ with cyrus.header
// (magic text + dlist: N name, I unique id, A acl, U user flags), cyrus.index (minor version 17: 160-byte
// header, 112-byte records, big-endian; imap/mailbox.h) and one file <UID>. per message (mode 0600).
// Only the fields bonnie reads are meaningful; CRCs and cache offsets are left 0, which Cyrus itself would
// refuse (run `reconstruct` before pointing a real Cyrus at such a spool).
import {createHash} from 'node:crypto';
import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';

const MAGIC = Buffer.from('\u00a1\u0002\u008b\rCyrus mailbox header\n"The best thing about this system was that it had lots of goals."\n\t--Jim Morris on Andrew\n', 'latin1');
const SYSTEM = {'\\Answered': 1, '\\Flagged': 2, '\\Deleted': 4, '\\Draft': 8, '\\Seen': 16};
const EXPUNGED = 0x80000000;
const UNLINKED = 1 << 30;

/** The folder of a mailbox under a partition root. */
export function mailboxFolder(root, mailboxId) {
  return join(root, 'uuid', mailboxId[0], mailboxId[1], mailboxId);
}

/** A random Cyrus-style mailbox id (24 characters of [a-z0-9]). */
export function newMailboxId(random = Math.random) {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let id = '';
  for (let i = 0; i < 24; i++) id += chars[Math.floor(random() * chars.length)];
  return id;
}

function quoteAtom(text) {
  return /^[\x21-\x7e]+$/.test(text) && !/[()"%{}\\]/.test(text) ? text : `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * Writes one folder.
 * @param {string} root partition root
 * @param {{mailboxId: string, name: string, uidValidity: number, highestModseq?: number,
 *   acl?: Record<string, string>, messages: Array<{uid: number, bytes?: Buffer, flags?: string[],
 *   internalDate?: number, modseq?: number, expunged?: boolean, unlinked?: boolean}>}} folder
 *   `name` is the internal name (user.alice.Sent); `internalDate` ms since the epoch; a message without
 *   bytes (or unlinked) gets no file.
 */
export function writeMailbox(root, folder) {
  const dir = mailboxFolder(root, folder.mailboxId);
  mkdirSync(dir, {recursive: true, mode: 0o700});
  const userFlags = [];
  for (const m of folder.messages) for (const f of m.flags ?? []) if (!(f in SYSTEM) && !userFlags.includes(f)) userFlags.push(f);
  const owner = folder.name.split('.')[1] ?? 'anyone';
  const acl = folder.acl ?? {[owner]: 'lrswipkxtecdan'};
  const dlist = `%(T e N ${quoteAtom(folder.name)} I ${folder.mailboxId} A %(${Object.entries(acl).map(([k, v]) => `${quoteAtom(k)} ${v}`).join(' ')})${userFlags.length > 0 ? ` U (${userFlags.map(quoteAtom).join(' ')})` : ''})\n`;
  writeFileSync(join(dir, 'cyrus.header'), Buffer.concat([MAGIC, Buffer.from(dlist, 'utf8')]), {mode: 0o600});

  const records = folder.messages.slice().sort((a, b) => a.uid - b.uid);
  const index = Buffer.alloc(160 + 112 * records.length);
  let highest = folder.highestModseq ?? 0;
  let exists = 0;
  for (const [i, m] of records.entries()) {
    const at = 160 + 112 * i;
    const bytes = m.bytes ?? Buffer.alloc(0);
    let system = 0;
    const user = [0, 0, 0, 0];
    for (const f of m.flags ?? []) {
      if (f in SYSTEM) system |= SYSTEM[f];
      else {
        const n = userFlags.indexOf(f);
        user[n >> 5] |= 1 << (n & 31);
      }
    }
    if (m.expunged) system |= EXPUNGED;
    if (m.unlinked) system |= UNLINKED;
    if (!m.expunged) exists++;
    const modseq = m.modseq ?? m.uid;
    highest = Math.max(highest, modseq);
    index.writeUInt32BE(m.uid, at);
    index.writeUInt32BE(Math.floor((m.internalDate ?? Date.UTC(2026, 0, 1)) / 1000), at + 4);
    index.writeUInt32BE(bytes.length, at + 12);
    index.writeUInt32BE(system >>> 0, at + 32);
    for (let w = 0; w < 4; w++) index.writeUInt32BE(user[w] >>> 0, at + 36 + 4 * w);
    createHash('sha1').update(bytes).digest().copy(index, at + 60);
    index.writeBigUInt64BE(BigInt(modseq), at + 80);
    if (m.bytes !== undefined && !m.unlinked) writeFileSync(join(dir, `${m.uid}.`), m.bytes, {mode: 0o600});
  }
  index.writeUInt32BE(17, 8); // minor version
  index.writeUInt32BE(160, 12); // start offset
  index.writeUInt32BE(112, 16); // record size
  index.writeUInt32BE(records.length, 20);
  index.writeUInt32BE(records.at(-1)?.uid ?? 0, 28);
  index.writeUInt32BE(folder.uidValidity >>> 0, 44);
  index.writeBigUInt64BE(BigInt(highest), 68);
  index.writeUInt32BE(exists, 84);
  writeFileSync(join(dir, 'cyrus.index'), index, {mode: 0o600});
  return dir;
}
