/**
 * Reading one blob's member back from a segment file by the offsets the index recorded, and checking the
 * tar header there names that blob and describes that length.
 */
import {blobHex, type BlobId} from '../blob/blob.js';
import {CARRIED_KINDS, type MemberKind} from '../index/repository.js';
import {preadFully} from './segment-file.js';
import {TAR_BLOCK, decodeHeader} from './tar.js';

/** Suffix of a member name: the frame of a message (`.eml`) compressed with zstd (`.zst`). */
export const MEMBER_SUFFIX = '.eml.zst';

/** The tar member name of a blob: `<sha256 hex>.eml.zst`. */
export function memberName(id: BlobId): string {
  return `${blobHex(id)}${MEMBER_SUFFIX}`;
}

/** The tar member name of a split message's manifest (archive format 3): `<sha256 hex of the message>.manifest.zst`. */
export function manifestMemberName(id: BlobId): string {
  return `${blobHex(id)}.manifest.zst`;
}

/** The tar member name of a part blob (archive format 3): `part/<sha256 hex of its stored bytes>.zst`. */
export function partMemberName(id: BlobId): string {
  return `part/${blobHex(id)}.zst`;
}

/** Width of the ids in the names of non-blob members: zero-padded so names sort in id order. */
const ID_DIGITS = 20;

/**
 * The tar member name of a non-blob member (archive format 2): `record/<first>-<last>.jsonl.zst`,
 * `links/<first>-<last>.jsonl.zst`, `snapshot/<id>.json.zst`, and `<kind>/<first>-<last>.jsonl.zst` for the
 * carried kinds (`policy`, `prune-plans`, `tombstones`, `alerts`, `alert-acks`, `quarantine`).
 */
export function namedMemberName(kind: MemberKind, firstId: number, lastId: number): string {
  const pad = (n: number) => String(n).padStart(ID_DIGITS, '0');
  return kind === 'snapshot' ? `snapshot/${pad(firstId)}.json.zst` : `${kind}/${pad(firstId)}-${pad(lastId)}.jsonl.zst`;
}

/** What a member name says: a blob (by id), a member of another type (kind and ids), or neither. */
export type ParsedMemberName = {type: 'blob'; hex: string} | {type: 'manifest'; hex: string} | {type: 'part'; hex: string} | {type: MemberKind; firstId: number; lastId: number} | undefined;

/** Kinds named `<kind>/<first>-<last>.jsonl.zst`. */
const RANGE_NAME = new RegExp(`^(record|links|${CARRIED_KINDS.join('|')})/(\\d{20})-(\\d{20})\\.jsonl\\.zst$`);

/** Parses a member name written by {@link memberName} or {@link namedMemberName}. */
export function parseMemberName(name: string): ParsedMemberName {
  const blob = /^([0-9a-f]{64})\.eml\.zst$/.exec(name);
  if (blob !== null) return {type: 'blob', hex: blob[1] as string};
  const manifest = /^([0-9a-f]{64})\.manifest\.zst$/.exec(name);
  if (manifest !== null) return {type: 'manifest', hex: manifest[1] as string};
  const part = /^part\/([0-9a-f]{64})\.zst$/.exec(name);
  if (part !== null) return {type: 'part', hex: part[1] as string};
  const range = RANGE_NAME.exec(name);
  if (range !== null) return {type: range[1] as MemberKind, firstId: Number(range[2]), lastId: Number(range[3])};
  const snapshot = /^snapshot\/(\d{20})\.json\.zst$/.exec(name);
  if (snapshot !== null) return {type: 'snapshot', firstId: Number(snapshot[1]), lastId: Number(snapshot[1])};
  return undefined;
}

/** Where the index says a blob's member is. */
export interface MemberLocation {
  id: BlobId;
  headerOffset: number;
  dataOffset: number;
  storedLength: number;
  /** The member is the message's manifest (archive format 3). */
  manifest?: boolean;
}

/**
 * Reads a member's header and data with one pread. Returns the stored frame, or a reason the bytes at
 * that place are not this blob's member (short file, unparsable header, another name, another size).
 */
export function readMember(fd: number, at: MemberLocation): Buffer | string {
  return readNamedMember(fd, at, blobMemberName(at));
}

/** The name of a blob's member: its message whole, or its manifest. */
export function blobMemberName(at: Pick<MemberLocation, 'id' | 'manifest'>): string {
  return at.manifest === true ? manifestMemberName(at.id) : memberName(at.id);
}

/** {@link readMember} for a part blob. */
export function readPartMember(fd: number, at: Omit<MemberLocation, 'manifest'>): Buffer | string {
  return readNamedMember(fd, at, partMemberName(at.id));
}

/** {@link readMember} for a member of any type: the header at that place must carry `expected` as its name. */
export function readNamedMember(fd: number, at: Omit<MemberLocation, 'id'>, expected: string): Buffer | string {
  if (at.dataOffset !== at.headerOffset + TAR_BLOCK) return `index row is inconsistent: data offset ${at.dataOffset} is not header offset ${at.headerOffset} + ${TAR_BLOCK}`;
  const bytes = preadFully(fd, at.headerOffset, TAR_BLOCK + at.storedLength);
  if (bytes.length < TAR_BLOCK + at.storedLength) return `segment ends at ${at.headerOffset + bytes.length}, before the member's end at ${at.dataOffset + at.storedLength} (truncated)`;
  const header = decodeHeader(bytes.subarray(0, TAR_BLOCK));
  if (typeof header === 'string') return `no valid tar header at offset ${at.headerOffset}: ${header}`;
  if (header.name !== expected) return `the tar header at offset ${at.headerOffset} names ${header.name}, not ${expected}`;
  if (header.size !== at.storedLength) return `the tar header says ${header.size} bytes, the index ${at.storedLength}`;
  return bytes.subarray(TAR_BLOCK);
}
