/**
 * `bonnie export`: the folders' states at an instant (from `selectTargets`), written as files a mail
 * client, a lawyer or a script can open, with a manifest and a checksum file. Each message's bytes are
 * read back from the archive and re-hashed, so an export holds exactly what was archived; a message whose
 * bytes the archive lacks (never archived, segment missing, blob corrupt) is listed in the manifest's
 * `missing` and the summary, never silently left out. Messages are read and written one at a time.
 */
import {isoTime} from '../../core/time.js';
import type {Catalog} from '../../base/catalog/catalog.js';
import {PrunedLookup, prunedReason, type PrunedMessage} from '../restore/pruned.js';
import {ArchiveReader} from '../../store/archive/reader.js';
import {BonnieError} from '../../base/errors.js';
import type {FolderAt, MessageAt} from '../restore/state-at.js';
import type {RestoreSelector} from '../restore/targets.js';
import {EmlWriter, MaildirWriter, MboxWriter} from './folder-writers.js';
import {CHECKSUM_FILE, MANIFEST_FILE, folderPaths, type ExportFormat} from './layout.js';
import {MANIFEST_VERSION, encodeManifest, manifestFolder, manifestMessage, manifestMissing, type Manifest, type ManifestMessage, type ManifestMissing} from './manifest.js';
import {checkOutFile, prepareOutFolder, under} from './out-path.js';
import {TarZstWriter} from './tar-zst-writer.js';
import {checksumFile, type ExportWriter} from './writer.js';

export interface ExportOptions {
  archiveDir: string;
  format: ExportFormat;
  /** A new or empty folder; for tar.zst a new file. */
  out: string;
  /** What was asked, for the manifest. */
  selector: RestoreSelector;
  /** The instant exported (ms since the epoch). */
  at: number;
  bonnieVersion: string;
  onProgress?: (p: ExportProgress) => void;
}

export interface ExportProgress {
  folder: string;
  folderIndex: number;
  folders: number;
  exported: number;
  bytes: number;
  elapsedMs: number;
}

export interface FolderExport {
  /** Admin form, as named at the instant. */
  name: string;
  mailboxId: string;
  /** Where it is in the export. */
  path: string;
  existed: boolean;
  messages: number;
  exported: number;
  missing: Array<{uid: number; reason: string}>;
  /** Of the missing, the messages a prune removed (retention), with their tombstones. */
  pruned: PrunedMessage[];
  basis: FolderAt['basis'];
  limits: string[];
}

export interface ExportSummary {
  format: ExportFormat;
  out: string;
  at: string;
  exportedAt: string;
  folders: FolderExport[];
  /** Messages the folders held at the instant. */
  messages: number;
  exported: number;
  missing: number;
  /** Of the missing, messages a prune removed. */
  pruned: number;
  /** Bytes of the messages exported. */
  bytes: number;
  /** The manifest: a file under `out`, or for tar.zst the member that holds it. */
  manifest: string;
  /** tar.zst only: SHA-256 (hex) of the .tar.zst file, to record with it. */
  sha256?: string;
  elapsedMs: number;
}

/** How often, at most, progress is reported and the event loop given a turn (to draw it), in ms. */
const PROGRESS_EVERY_MS = 100;

/** Writes the folders' states to `options.out` in `options.format`. Throws ExportOutExists before writing anything. */
export async function exportFolders(catalog: Catalog, targets: readonly FolderAt[], options: ExportOptions): Promise<ExportSummary> {
  const started = Date.now();
  const exportedAt = new Date(started);
  const paths = folderPaths(targets, options.format);
  const writer = openWriter(options.format, options.out, exportedAt);
  let reader: ArchiveReader | undefined;
  const manifest: Manifest = {
    manifestVersion: MANIFEST_VERSION,
    bonnieVersion: options.bonnieVersion,
    exportedAt: exportedAt.toISOString(),
    at: isoTime(options.at),
    selector: options.selector,
    format: options.format,
    folders: [],
    messages: [],
    missing: [],
  };
  const summary: ExportSummary = {
    format: options.format,
    out: options.out,
    at: manifest.at,
    exportedAt: manifest.exportedAt,
    folders: [],
    messages: 0,
    exported: 0,
    missing: 0,
    pruned: 0,
    bytes: 0,
    manifest: writer instanceof TarZstWriter ? `${writer.top}/${MANIFEST_FILE}` : under(options.out, MANIFEST_FILE),
    elapsedMs: 0,
  };
  let reported = 0;
  try {
    reader = new ArchiveReader(catalog, options.archiveDir);
    const prunedLookup = new PrunedLookup(catalog.db, reader);
    for (const [i, target] of targets.entries()) {
      const path = paths.get(target.mailboxId) as string;
      const exported: ManifestMessage[] = [];
      const missing: ManifestMissing[] = [];
      const pruned: PrunedMessage[] = [];
      const report = () => options.onProgress?.({folder: target.name, folderIndex: i + 1, folders: targets.length, exported: summary.exported, bytes: summary.bytes, elapsedMs: Date.now() - started});
      await writer.beginFolder(path);
      for (const m of target.messages) {
        const gone = prunedLookup.of(m.uid, m.sha256);
        if (gone !== undefined) {
          pruned.push(gone);
          missing.push(manifestMissing(target, m, prunedReason(gone)));
          continue;
        }
        const read = readMessage(reader, m);
        if (typeof read === 'string') {
          missing.push(manifestMissing(target, m, read));
          continue;
        }
        const file = await writer.addMessage(path, m, read);
        exported.push(manifestMessage(target, m, read.length, (m.sha256 as Buffer).toString('hex'), file));
        summary.exported++;
        summary.bytes += read.length;
        if (Date.now() - reported >= PROGRESS_EVERY_MS) {
          reported = Date.now();
          report();
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      await writer.endFolder(path);
      report();
      manifest.folders.push(manifestFolder(target, options.format === 'mbox' ? `${path}.mbox` : path, exported.length, missing.length));
      // One at a time: spreading a folder of 100,000s of messages into push() overflows the stack.
      for (const m of exported) manifest.messages.push(m);
      for (const m of missing) manifest.missing.push(m);
      summary.folders.push({
        name: target.name,
        mailboxId: target.mailboxId,
        path: options.format === 'mbox' ? `${path}.mbox` : path,
        existed: target.existed,
        messages: target.messages.length,
        exported: exported.length,
        missing: missing.map((m) => ({uid: m.uid, reason: m.reason})),
        pruned,
        basis: target.basis,
        limits: target.limits,
      });
      summary.messages += target.messages.length;
      summary.missing += missing.length;
      summary.pruned += pruned.length;
    }
    await writer.addFile(MANIFEST_FILE, encodeManifest(manifest));
    await writer.addFile(CHECKSUM_FILE, checksumFile(writer.checksums));
    const sha256 = await writer.close();
    if (sha256 !== undefined) summary.sha256 = sha256;
  } catch (error) {
    await writer.abort();
    throw error;
  } finally {
    reader?.close();
  }
  summary.elapsedMs = Date.now() - started;
  return summary;
}

/** Checks --out and opens the format's writer. */
function openWriter(format: ExportFormat, out: string, exportedAt: Date): ExportWriter {
  if (format === 'tar.zst') {
    checkOutFile(out);
    return new TarZstWriter(out, exportedAt);
  }
  prepareOutFolder(out);
  if (format === 'eml') return new EmlWriter(out);
  if (format === 'maildir') return new MaildirWriter(out);
  return new MboxWriter(out);
}

/** Archive errors that concern one message: the export goes on and lists it. */
const MESSAGE_ERRORS = new Set(['BlobUnknown', 'BlobCorrupt', 'SegmentMissing', 'SegmentUnreadable']);

/** The message's bytes, or why the export cannot include them. */
function readMessage(reader: ArchiveReader, m: MessageAt): Buffer | string {
  if (m.sha256 === undefined) return 'not in the archive';
  try {
    return reader.readBlob(m.sha256);
  } catch (error) {
    if (error instanceof BonnieError && MESSAGE_ERRORS.has(error.code)) return `${error.code}: ${error.message}`;
    throw error;
  }
}
