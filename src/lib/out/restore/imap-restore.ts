/**
 * Putting folders back into Cyrus over IMAP (imapflow), acting as each folder's owner: creates the
 * destination folder when missing, then APPENDs each message with its flags and internal date, in UID
 * order, its bytes read back (and re-hashed) from the archive. Idempotent: a message already in the
 * destination (same Message-ID and size, or same bytes) is not appended again, so a restore run twice,
 * or interrupted and run again, adds nothing twice.
 *
 * Messages go in batches, one MULTIAPPEND command each (RFC 3502) when the server has it: Cyrus then
 * commits a batch once instead of once per message, which more than halves its work and the restore's
 * time (bench/restore measures it).
 */
import {isoTime} from '../../core/time.js';
import type {ImapFlow} from 'imapflow';
import {encodePath, formatDateTime, formatFlag, normalizePath} from 'imapflow/lib/tools.js';
import type {Catalog} from '../../base/catalog/catalog.js';
import type {ImapSettings} from '../../base/config/settings.js';
import {ArchiveReader} from '../../store/archive/reader.js';
import {connectImap, ownerLogin, userFolderPath} from '../../sources/imap/connect.js';
import {BonnieError, errorMessage} from '../../base/errors.js';
import {KeyCounts, keyOfBytes, messageIdOf} from './message-key.js';
import {PrunedLookup, type PrunedMessage} from './pruned.js';
import type {FolderAt} from './state-at.js';

export interface RestoreOptions {
  archiveDir: string;
  /** Undefined only with dryRun: the plan is then made without the server (nothing is found already there). */
  imap: ImapSettings | undefined;
  /** Admin-form destination: the folder itself for one folder; the parent of the restored folders for several. */
  into?: string | undefined;
  dryRun?: boolean;
  onProgress?: (p: RestoreProgress) => void;
  warn?: (message: string) => void;
}

export interface RestoreProgress {
  folder: string;
  folderIndex: number;
  folders: number;
  appended: number;
  bytes: number;
  elapsedMs: number;
}

export interface FolderRestore {
  /** The folder as it was (admin form) and its mailboxID. */
  source: string;
  mailboxId: string;
  /** Where it was restored (admin form). */
  destination: string;
  at: string;
  created: boolean;
  messages: number;
  appended: number;
  alreadyThere: number;
  /** UIDs whose bytes the archive does not hold: not restored. */
  missing: number[];
  /** Messages a prune removed (retention), with their tombstones: not restored, not missing. */
  pruned: PrunedMessage[];
  basis: FolderAt['basis'];
  limits: string[];
}

export interface RestoreSummary {
  dryRun: boolean;
  /** A dry run planned without the server (no imap_url): what is already there was not checked. */
  offline: boolean;
  folders: FolderRestore[];
  appended: number;
  alreadyThere: number;
  missing: number;
  /** Messages a prune removed, over every folder. */
  pruned: number;
  bytes: number;
  elapsedMs: number;
}

const SEPARATOR = '.';

/**
 * At most this many messages, or this many bytes (a single bigger message goes alone), per MULTIAPPEND.
 * The server appends all of a batch or none of it (RFC 3502); a failed batch is sent again one by one.
 */
export const APPEND_BATCH_MESSAGES = 100;
export const APPEND_BATCH_BYTES = 16 * 1024 * 1024;

/** One message ready to be appended. */
interface Outgoing {
  uid: number;
  bytes: Buffer;
  flags: string[];
  internalDate: Date;
}

/**
 * imapflow's command runner. It is not in imapflow's typings, but every imapflow command is built on it;
 * MULTIAPPEND has no method of its own. Absent (another imapflow), messages go one APPEND each.
 */
interface CommandRunner {
  exec(command: string, attributes: unknown[]): Promise<{next(): void}>;
}

/** Restores the folders' states into IMAP (or, with dryRun, only says what it would do). */
export async function restoreFolders(catalog: Catalog, targets: readonly FolderAt[], options: RestoreOptions): Promise<RestoreSummary> {
  const started = Date.now();
  const reader = new ArchiveReader(catalog, options.archiveDir);
  const prunedLookup = new PrunedLookup(catalog.db, reader);
  const offline = options.imap === undefined;
  if (offline && options.dryRun !== true) throw new Error('restoreFolders: an IMAP server is needed outside a dry run');
  const summary: RestoreSummary = {dryRun: options.dryRun === true, offline, folders: [], appended: 0, alreadyThere: 0, missing: 0, pruned: 0, bytes: 0, elapsedMs: 0};
  const clients = new Map<string, ImapFlow>();
  try {
    for (const [i, target] of targets.entries()) {
      const destination = destinationOf(target, targets, options.into);
      const owner = ownerLogin(destination, SEPARATOR);
      const path = userFolderPath(destination, SEPARATOR);
      if (owner === undefined || path === undefined) {
        throw new BonnieError('RestoreDestinationInvalid', `cannot restore into ${destination}: bonnie restores into users' folders (user.<login>...)`, {
          hint: 'Give --into a folder of a user, e.g. --into user.alice.Restored.',
        });
      }
      let found = clients.get(owner);
      if (found === undefined && options.imap !== undefined) {
        found = await connectImap(options.imap, {as: owner, warn: options.warn});
        clients.set(owner, found);
      }
      // Undefined only in an offline dry run, which never appends.
      const client = found as ImapFlow;
      const result: FolderRestore = {
        source: target.name,
        mailboxId: target.mailboxId,
        destination,
        at: isoTime(target.at),
        created: false,
        messages: target.messages.length,
        appended: 0,
        alreadyThere: 0,
        missing: [],
        pruned: [],
        basis: target.basis,
        limits: target.limits,
      };
      const exists = offline ? false : (await client.list()).some((entry) => entry.path === path);
      if (!exists && !offline) {
        result.created = true;
        if (options.dryRun !== true) await client.mailboxCreate(path);
      }
      const present = exists ? await existingKeys(client, path) : new KeyCounts();
      const report = () => options.onProgress?.({folder: destination, folderIndex: i + 1, folders: targets.length, appended: summary.appended, bytes: summary.bytes, elapsedMs: Date.now() - started});
      const counted = (messages: number, bytes: number) => {
        result.appended += messages;
        summary.appended += messages;
        summary.bytes += bytes;
      };
      const appendOne = async (m: Outgoing) => {
        try {
          await appendBatch(client, path, [m]);
        } catch (error) {
          throw new BonnieError('RestoreAppendFailed', `APPEND of ${target.name} UID ${m.uid} into ${destination} failed: ${imapErrorText(error)}`, {
            cause: error,
            hint: 'Messages appended before this one stay; run the same restore again to continue (nothing is appended twice). Check the user\'s quota.',
          });
        }
        counted(1, m.bytes.length);
      };
      const send = async (batch: Outgoing[], bytes: number) => {
        if (batch.length === 1) await appendOne(batch[0] as Outgoing);
        else {
          try {
            await appendBatch(client, path, batch);
            counted(batch.length, bytes);
          } catch {
            // The server appended none of them (RFC 3502). Again one by one: those before the culprit are
            // kept, and the error names it, as without MULTIAPPEND.
            for (const m of batch) await appendOne(m);
          }
        }
        report();
      };
      const batchLimit = offline ? 1 : canMultiAppend(client) ? APPEND_BATCH_MESSAGES : 1;
      let batch: Outgoing[] = [];
      let batchBytes = 0;
      for (const m of target.messages) {
        if (m.sha256 === undefined) {
          result.missing.push(m.uid);
          continue;
        }
        const pruned = prunedLookup.of(m.uid, m.sha256);
        if (pruned !== undefined) {
          result.pruned.push(pruned);
          continue;
        }
        const bytes = reader.readBlob(m.sha256);
        if (exists && present.take(keyOfBytes(bytes))) {
          result.alreadyThere++;
          continue;
        }
        if (options.dryRun === true) {
          counted(1, bytes.length);
          continue;
        }
        batch.push({uid: m.uid, bytes, flags: m.flags, internalDate: new Date(m.internalDate)});
        batchBytes += bytes.length;
        if (batch.length >= batchLimit || batchBytes >= APPEND_BATCH_BYTES) {
          await send(batch, batchBytes);
          batch = [];
          batchBytes = 0;
        }
      }
      if (batch.length > 0) await send(batch, batchBytes);
      report();
      summary.alreadyThere += result.alreadyThere;
      summary.missing += result.missing.length;
      summary.pruned += result.pruned.length;
      summary.folders.push(result);
    }
  } finally {
    reader.close();
    for (const client of clients.values()) await client.logout().catch(() => client.close());
  }
  summary.elapsedMs = Date.now() - started;
  return summary;
}

function canMultiAppend(client: ImapFlow): boolean {
  return client.capabilities.has('MULTIAPPEND') && typeof (client as unknown as Partial<CommandRunner>).exec === 'function';
}

/**
 * APPENDs a batch into `path`, in order: one message through imapflow's own append(); several as one
 * MULTIAPPEND command (RFC 3502: `APPEND box (flags) "date" {n}<bytes> (flags) "date" {n}<bytes> ...`),
 * built as imapflow builds an APPEND: the same path encoding, flags and date format, and literal8 (RFC 3516)
 * for bytes holding a NUL when the server has BINARY.
 */
async function appendBatch(client: ImapFlow, path: string, batch: readonly Outgoing[]): Promise<void> {
  const flagsOf = (m: Outgoing) => m.flags.map((f) => formatFlag(f)).filter((f): f is string => f !== false);
  if (batch.length === 1) {
    const m = batch[0] as Outgoing;
    await client.append(path, m.bytes, flagsOf(m), m.internalDate);
    return;
  }
  const binary = client.capabilities.has('BINARY');
  const attributes: unknown[] = [{type: 'ATOM', value: encodePath(client, normalizePath(client, path))}];
  for (const m of batch) {
    attributes.push(
      flagsOf(m).map((flag) => ({type: 'ATOM', value: flag})),
      {type: 'STRING', value: formatDateTime(m.internalDate)},
      {type: 'LITERAL', value: m.bytes, isLiteral8: binary && m.bytes.includes(0)},
    );
  }
  const response = await (client as unknown as CommandRunner).exec('APPEND', attributes);
  response.next();
}

/** What the server said (imapflow puts it in responseText), or the error's message. */
function imapErrorText(error: unknown): string {
  const text = (error as {responseText?: unknown} | undefined)?.responseText;
  return typeof text === 'string' && text !== '' ? text : errorMessage(error);
}

/** Where a folder goes: back where it was, or under/into --into. */
function destinationOf(target: FolderAt, all: readonly FolderAt[], into: string | undefined): string {
  // A folder awaiting cleanup after deletion (DELETED.user.alice.Old.5F1234AB) goes back under its own name.
  const original = target.name.startsWith('DELETED.') ? target.name.slice('DELETED.'.length).replace(/\.[0-9A-F]{8,16}$/i, '') : target.name;
  if (into === undefined) return original;
  if (all.length === 1) return into;
  // Several folders of a user: keep their layout under --into (user.alice.Sent -> <into>.Sent).
  const owner = ownerLogin(original, SEPARATOR);
  const path = userFolderPath(original, SEPARATOR);
  const relative = owner === undefined || path === undefined ? original : path.replace(/^INBOX\.?/, '');
  return relative === '' ? into : `${into}${SEPARATOR}${relative}`;
}

/** What the destination folder already holds, as message keys. */
async function existingKeys(client: ImapFlow, path: string): Promise<KeyCounts> {
  const keys = new KeyCounts();
  const lock = await client.getMailboxLock(path, {readOnly: true});
  try {
    const box = client.mailbox;
    if (box === false || box.exists === 0) return keys;
    const withoutId: number[] = [];
    for await (const m of client.fetch('1:*', {uid: true, size: true, headers: ['message-id']}, {uid: false})) {
      const id = m.headers === undefined ? undefined : messageIdOf(Buffer.concat([m.headers, Buffer.from('\r\n')]));
      if (id === undefined) withoutId.push(m.uid);
      else keys.add(`id:${id}|${m.size ?? 0}`);
    }
    for (let i = 0; i < withoutId.length; i += 50) {
      for await (const m of client.fetch(withoutId.slice(i, i + 50).join(','), {uid: true, source: true}, {uid: true})) {
        if (m.source !== undefined) keys.add(keyOfBytes(m.source));
      }
    }
  } finally {
    lock.release();
  }
  return keys;
}
