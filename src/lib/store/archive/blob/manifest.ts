/**
 * A split message (archive format 3, docs/FORMAT.md "Format 3"): a manifest (the message's skeleton and
 * where each part goes back) and its parts, each stored once under the SHA-256 of its stored bytes. The
 * message keeps its id, the SHA-256 of its exact bytes: a reader reassembles it and re-hashes it.
 *
 * Manifest bytes: `bonnie-manifest 1\n`, one line of JSON ({@link ManifestHeader}), `\n`, the skeleton.
 */
import {createHash} from 'node:crypto';
import {BlobCompressor, hashBlob, type BlobDecompressor, type BlobId} from './blob.js';
import {encodePart, reassemble, skeletonOf, splitMessage, type PartEncoding, type SplitOptions} from './mime-split.js';

const MAGIC = Buffer.from('bonnie-manifest 1\n', 'latin1');

/** One part in a manifest: where its encoded bytes go in the message and what is stored. */
export interface ManifestPart {
  /** Offset in the message and length there (encoded). */
  at: number;
  length: number;
  /** SHA-256 (hex) and length of the stored bytes: the part blob. */
  sha256: string;
  size: number;
  /** "raw", or "base64" with its line length, line ending ("crlf" | "lf") and whether the body ends with one. */
  encoding: 'raw' | 'base64';
  line?: number;
  eol?: 'crlf' | 'lf';
  final?: boolean;
}

/** The manifest's JSON line. */
export interface ManifestHeader {
  /** The message's length in bytes. */
  length: number;
  parts: ManifestPart[];
}

/** A parsed manifest. */
export interface Manifest extends ManifestHeader {
  skeleton: Buffer;
}

/** A part ready to store: its id (SHA-256 of `content`), and its frame (none when the caller said the archive holds it). */
export interface PackedPart {
  id: BlobId;
  frame: Buffer | undefined;
  size: number;
}

/** What the caller knows already: the parts' ids in message order ({@link partIds}), and those the archive holds (hex): not compressed. */
export interface KnownParts {
  ids: readonly BlobId[];
  held: ReadonlySet<string>;
}

/** The ids of the parts {@link packMessage} would cut out of `message`, in message order. */
export function partIds(message: Buffer, options: SplitOptions = {}): BlobId[] {
  return splitMessage(message, options).map((part) => hashBlob(part.content));
}

/** How one message is stored: whole (one frame of its bytes) or split (a manifest frame and parts). */
export interface PackedMessage {
  frame: Buffer;
  /** True when `frame` is a manifest's. */
  manifest: boolean;
  /** The parts the manifest names, in message order (a part twice in a message is here twice). */
  parts: PackedPart[];
}

/** Splits `message` when it has large parts (mime-split.ts) and compresses what is stored. */
export function packMessage(compressor: BlobCompressor, message: Buffer, options: SplitOptions = {}, known?: KnownParts): PackedMessage {
  const split = splitMessage(message, options);
  if (known !== undefined && known.ids.length !== split.length) throw new Error(`bonnie bug: ${known.ids.length} part ids given for ${split.length} parts`);
  if (split.length === 0) return {frame: compressor.compress(message), manifest: false, parts: []};
  const parts: PackedPart[] = [];
  const entries: ManifestPart[] = [];
  for (const [i, part] of split.entries()) {
    const id = known?.ids[i] ?? hashBlob(part.content);
    const held = known?.held.has(id.toString('hex')) === true;
    parts.push({id, frame: held ? undefined : compressor.compress(part.content), size: part.content.length});
    entries.push({at: part.at, length: part.length, sha256: id.toString('hex'), size: part.content.length, ...encodingFields(part.encoding)});
  }
  const manifest = encodeManifest({length: message.length, parts: entries}, skeletonOf(message, split));
  return {frame: compressor.compress(manifest), manifest: true, parts};
}

export function encodeManifest(header: ManifestHeader, skeleton: Buffer): Buffer {
  return Buffer.concat([MAGIC, Buffer.from(`${JSON.stringify(header)}\n`, 'utf8'), skeleton]);
}

/** Parses manifest bytes, or says why they are not a manifest. */
export function parseManifest(bytes: Buffer): Manifest | string {
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) return 'not a manifest (no "bonnie-manifest 1" line)';
  const lf = bytes.indexOf(0x0a, MAGIC.length);
  if (lf === -1) return 'manifest has no JSON line';
  let header: ManifestHeader;
  try {
    header = JSON.parse(bytes.toString('utf8', MAGIC.length, lf)) as ManifestHeader;
  } catch (error) {
    return `manifest JSON does not parse: ${(error as Error).message}`;
  }
  if (!Number.isSafeInteger(header.length) || !Array.isArray(header.parts)) return 'manifest JSON lacks length or parts';
  for (const p of header.parts) {
    if (!/^[0-9a-f]{64}$/.test(String(p.sha256)) || !Number.isSafeInteger(p.at) || !Number.isSafeInteger(p.length) || !Number.isSafeInteger(p.size)) return 'manifest names a part badly';
  }
  return {...header, skeleton: bytes.subarray(lf + 1)};
}

/** The parts' ids a manifest names, distinct, in order. */
export function manifestPartIds(manifest: ManifestHeader): BlobId[] {
  return [...new Set(manifest.parts.map((p) => p.sha256))].map((hex) => Buffer.from(hex, 'hex'));
}

/**
 * The message from its manifest and the stored bytes of its parts (`contents` by hex id): each part
 * encoded back and put in place; the whole checked against `id` and `originalLength`. A part's bytes are
 * not re-hashed against its own id: the message's hash covers them (a part that is not what its manifest
 * was made from cannot give back a message of that hash), and verify checks each part member by itself.
 * With `check`, the message is only hashed, piece by piece, never put together: undefined when it is sound.
 */
export function assembleMessage(manifest: Manifest, contents: ReadonlyMap<string, Buffer>, id: BlobId, originalLength: number): Buffer | string;
export function assembleMessage(manifest: Manifest, contents: ReadonlyMap<string, Buffer>, id: BlobId, originalLength: number, check: 'check'): string | undefined;
export function assembleMessage(manifest: Manifest, contents: ReadonlyMap<string, Buffer>, id: BlobId, originalLength: number, check?: 'check'): Buffer | string | undefined {
  if (manifest.length !== originalLength) return `the manifest says ${manifest.length} bytes, the index ${originalLength}`;
  const pieces: Array<{at: number; bytes: Buffer}> = [];
  for (const p of manifest.parts) {
    const content = contents.get(p.sha256);
    if (content === undefined) return `part ${p.sha256} is missing`;
    if (content.length !== p.size) return `part ${p.sha256} is ${content.length} bytes, the manifest says ${p.size}`;
    const bytes = encodePart(content, partEncoding(p));
    if (bytes.length !== p.length) return `part ${p.sha256} encodes to ${bytes.length} bytes, the manifest says ${p.length}`;
    pieces.push({at: p.at, bytes});
  }
  if (check === 'check') {
    const hash = hashPieces(manifest.skeleton, pieces, manifest.length);
    if (typeof hash === 'string') return hash;
    return hash.equals(id) ? undefined : 'the reassembled message does not hash to the blob id';
  }
  const message = reassemble(manifest.skeleton, pieces, manifest.length);
  if (typeof message === 'string') return message;
  if (!hashBlob(message).equals(id)) return 'the reassembled message does not hash to the blob id';
  return message;
}

/** SHA-256 of the message {@link reassemble} would make, without making it. */
function hashPieces(skeleton: Buffer, pieces: ReadonlyArray<{at: number; bytes: Buffer}>, length: number): Buffer | string {
  const total = pieces.reduce((n, p) => n + p.bytes.length, skeleton.length);
  if (total !== length) return `skeleton and parts make ${total} bytes, the manifest says ${length}`;
  const hash = createHash('sha256');
  let from = 0;
  let to = 0;
  for (const piece of pieces) {
    const gap = piece.at - to;
    if (gap < 0 || from + gap > skeleton.length) return `part at offset ${piece.at} overlaps the one before it`;
    hash.update(skeleton.subarray(from, from + gap));
    hash.update(piece.bytes);
    from += gap;
    to += gap + piece.bytes.length;
  }
  hash.update(skeleton.subarray(from));
  return hash.digest();
}

/**
 * Checks a split message from its stored frames, as the writer does before indexing it: the manifest's
 * and its parts' (`partFrames` by hex id), each decompressed, the message hashed piece by piece.
 * Undefined when it is blob `id` of `originalLength` bytes, else why not.
 */
export function openManifest(decompressor: BlobDecompressor, frame: Uint8Array, partFrames: ReadonlyMap<string, Uint8Array>, id: BlobId, originalLength: number): string | undefined {
  return openManifestReading(decompressor, frame, (partId) => partFrames.get(partId.toString('hex')) ?? 'not among the frames read', id, originalLength, 'check');
}

/**
 * The message from its manifest's frame, reading each part's frame as the manifest names it with
 * `readPart` (which returns the frame, or why it cannot: a part missing from the index, a damaged member).
 * With `check`, only checked (undefined when sound).
 */
export function openManifestReading(decompressor: BlobDecompressor, frame: Uint8Array, readPart: (id: BlobId) => Uint8Array | string, id: BlobId, originalLength: number): Buffer | string;
export function openManifestReading(decompressor: BlobDecompressor, frame: Uint8Array, readPart: (id: BlobId) => Uint8Array | string, id: BlobId, originalLength: number, check: 'check'): string | undefined;
export function openManifestReading(decompressor: BlobDecompressor, frame: Uint8Array, readPart: (id: BlobId) => Uint8Array | string, id: BlobId, originalLength: number, check?: 'check'): Buffer | string | undefined {
  let manifest: Manifest | string;
  try {
    manifest = parseManifest(decompressor.decompress(frame));
  } catch (error) {
    return `manifest frame does not decompress: ${(error as Error).message}`;
  }
  if (typeof manifest === 'string') return manifest;
  const contents = new Map<string, Buffer>();
  for (const partId of manifestPartIds(manifest)) {
    const hex = partId.toString('hex');
    const partFrame = readPart(partId);
    if (typeof partFrame === 'string') return `part ${hex}: ${partFrame}`;
    try {
      contents.set(hex, decompressor.decompress(partFrame));
    } catch (error) {
      return `part ${hex}: zstd frame does not decompress: ${(error as Error).message}`;
    }
  }
  return check === 'check' ? assembleMessage(manifest, contents, id, originalLength, 'check') : assembleMessage(manifest, contents, id, originalLength);
}

function encodingFields(encoding: PartEncoding): Pick<ManifestPart, 'encoding' | 'line' | 'eol' | 'final'> {
  return encoding.kind === 'raw' ? {encoding: 'raw'} : {encoding: 'base64', line: encoding.line, eol: encoding.eol, final: encoding.final};
}

function partEncoding(p: ManifestPart): PartEncoding {
  return p.encoding === 'base64' ? {kind: 'base64', line: p.line ?? 0, eol: p.eol ?? 'crlf', final: p.final ?? false} : {kind: 'raw'};
}
