/**
 * manifest.json: what an export holds and what it is based on, for whoever receives it. Version 1; fields
 * are only ever added. Times are ISO 8601 UTC. Paths are relative to the export's root, `/`-separated.
 */
import {isoTime} from '../../core/time.js';
import type {RestoreSelector} from '../restore/targets.js';
import type {FolderAt, MessageAt} from '../restore/state-at.js';
import type {ExportFormat} from './layout.js';
import {textBuffer} from './writer.js';

export const MANIFEST_VERSION = 1;

export interface ManifestFolder {
  /** Admin form, as the folder was named at `at`: user.alice.Sent. */
  name: string;
  mailboxId: string;
  uidValidity: number;
  /** Where it is in the export: a folder (eml, maildir) or a file (mbox: `Sent.mbox`). */
  path: string;
  /** False: the folder was deleted before `at` (its last state is exported) or did not exist yet. */
  existed: boolean;
  /** What the folder's state is computed from: a snapshot ("bonnie archive") and the changes recorded since. */
  basis: {snapshotId: number | null; snapshotAt: string | null; placementsApplied: number};
  /** What the state cannot know (mail before bonnie, events not yet processed...). */
  limits: string[];
  /** Messages the folder held at `at`, exported and missing. */
  messages: number;
  exported: number;
  missing: number;
}

export interface ManifestMessage {
  /** Admin form of the folder. */
  folder: string;
  mailboxId: string;
  uid: number;
  /** IMAP flags and keywords at `at`, as Cyrus spells them. */
  flags: string[];
  internalDate: string;
  /** Where the internal date comes from: Cyrus (a snapshot) or the arrival time of the event. */
  internalDateFrom: 'snapshot' | 'event';
  /** Bytes. */
  size: number;
  /** SHA-256 of the message's exact bytes (hex): the archive's blob id. */
  sha256: string;
  /** The file holding it: `<folder>/<uid>.eml`, the Maildir file, or the mbox file. */
  path: string;
}

/** A message the folder held at `at` whose bytes the export could not include. */
export interface ManifestMissing {
  folder: string;
  mailboxId: string;
  uid: number;
  flags: string[];
  internalDate: string;
  internalDateFrom: 'snapshot' | 'event';
  /** Bytes, when known. */
  size: number | null;
  /** The blob the record names, when it names one. */
  sha256: string | null;
  /** Why: not archived, or the archive's error (segment missing, blob corrupt). */
  reason: string;
}

export interface Manifest {
  manifestVersion: typeof MANIFEST_VERSION;
  bonnieVersion: string;
  /** When the export ran. */
  exportedAt: string;
  /** The moment whose state is exported (--at; the export time when not given). */
  at: string;
  selector: RestoreSelector;
  format: ExportFormat;
  folders: ManifestFolder[];
  messages: ManifestMessage[];
  missing: ManifestMissing[];
}

/** The folder's entry, with the counts known once its messages are written. */
export function manifestFolder(folder: FolderAt, path: string, exported: number, missing: number): ManifestFolder {
  return {
    name: folder.name,
    mailboxId: folder.mailboxId,
    uidValidity: folder.uidValidity,
    path,
    existed: folder.existed,
    basis: {
      snapshotId: folder.basis.snapshotId ?? null,
      snapshotAt: folder.basis.snapshotAt === undefined ? null : isoTime(folder.basis.snapshotAt),
      placementsApplied: folder.basis.placementsApplied,
    },
    limits: folder.limits,
    messages: folder.messages.length,
    exported,
    missing,
  };
}

export function manifestMessage(folder: FolderAt, m: MessageAt, size: number, sha256: string, path: string): ManifestMessage {
  return {folder: folder.name, mailboxId: folder.mailboxId, uid: m.uid, flags: m.flags, internalDate: isoTime(m.internalDate), internalDateFrom: m.dateFrom, size, sha256, path};
}

export function manifestMissing(folder: FolderAt, m: MessageAt, reason: string): ManifestMissing {
  return {
    folder: folder.name,
    mailboxId: folder.mailboxId,
    uid: m.uid,
    flags: m.flags,
    internalDate: isoTime(m.internalDate),
    internalDateFrom: m.dateFrom,
    size: m.size ?? null,
    sha256: m.sha256?.toString('hex') ?? null,
    reason,
  };
}

/**
 * The manifest's bytes: indented JSON (people read it), one line per message so that it stays greppable
 * and is never built as one string, ending with a newline.
 */
export function encodeManifest(manifest: Manifest): Buffer {
  return textBuffer(manifestPieces(manifest));
}

function* manifestPieces(manifest: Manifest): Generator<string> {
  const {messages, missing, ...head} = manifest;
  const opening = JSON.stringify(head, null, 2);
  yield `${opening.slice(0, opening.lastIndexOf('}')).trimEnd()},\n`;
  yield* jsonLines('messages', messages, ',');
  yield* jsonLines('missing', missing, '');
  yield '}\n';
}

function* jsonLines(name: string, items: readonly object[], after: string): Generator<string> {
  if (items.length === 0) {
    yield `  "${name}": []${after}\n`;
    return;
  }
  yield `  "${name}": [\n`;
  for (const [i, item] of items.entries()) yield `    ${JSON.stringify(item)}${i < items.length - 1 ? ',' : ''}\n`;
  yield `  ]${after}\n`;
}
