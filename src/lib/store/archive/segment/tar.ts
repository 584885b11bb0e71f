/**
 * The tar member codec: POSIX ustar (IEEE Std 1003.1-1988/2001, "ustar" magic, version "00") headers for
 * the one kind of member a segment holds: a regular file named `<sha256 hex>.eml.zst`.
 *
 * Written by hand rather than with tar-stream's `pack`: segments are written with positioned writes and
 * verified synchronously, and tar-stream exposes only a streaming API (its header codec is not exported).
 * tar-stream, GNU tar and bsdtar read what this writes (tests prove it).
 */

/** Size of a tar block, in bytes. Headers take one block; data is padded to a whole number of blocks. */
export const TAR_BLOCK = 512;

/** The end of an archive: two zero blocks (POSIX), in bytes. */
export const TAR_END_BYTES = 2 * TAR_BLOCK;

/** Largest member data ustar's 11 octal digits can describe, in bytes (8 GiB - 1). */
export const TAR_MAX_SIZE = 8 ** 11 - 1;

/** Permissions of every member: owner read-write, group read (mail is private). */
export const MEMBER_MODE = 0o640;

/** What a member header says. */
export interface MemberHeader {
  name: string;
  /** Length of the member's data, in bytes. */
  size: number;
  /** Modification time, seconds since the epoch. */
  mtime: number;
}

/** Bytes of padding after `size` bytes of data, up to the next block boundary. */
export function paddingAfter(size: number): number {
  return (TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK;
}

/** Bytes a member occupies in the archive: header, data, padding. */
export function memberSpan(size: number): number {
  return TAR_BLOCK + size + paddingAfter(size);
}

/** Encodes a ustar header for a regular file owned by uid/gid 0. */
export function encodeHeader(header: MemberHeader): Buffer {
  const {name, size, mtime} = header;
  if (Buffer.byteLength(name) > 100) throw new RangeError(`tar member name longer than 100 bytes: ${name}`);
  if (!Number.isSafeInteger(size) || size < 0 || size > TAR_MAX_SIZE) throw new RangeError(`tar member size out of range: ${size}`);
  const block = Buffer.alloc(TAR_BLOCK);
  block.write(name, 0, 100, 'utf8');
  writeOctal(block, 100, 8, MEMBER_MODE);
  writeOctal(block, 108, 8, 0); // uid
  writeOctal(block, 116, 8, 0); // gid
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, Math.max(0, Math.floor(mtime)));
  block.write('        ', 148, 8, 'ascii'); // checksum field counts as spaces while summing
  block.write('0', 156, 1, 'ascii'); // typeflag: regular file
  block.write('ustar\u0000', 257, 6, 'ascii');
  block.write('00', 263, 2, 'ascii');
  writeOctal(block, 329, 8, 0); // devmajor
  writeOctal(block, 337, 8, 0); // devminor
  // Checksum: six octal digits, NUL, space (what GNU tar writes).
  block.write(`${checksum(block).toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  return block;
}

/**
 * Parses a header block written by {@link encodeHeader}. Returns a reason string instead of a header when
 * the block is not one: all zeros, bad checksum, not ustar, not a regular file, bad size.
 */
export function decodeHeader(block: Uint8Array): MemberHeader | string {
  if (block.length < TAR_BLOCK) return 'short header block';
  const buf = Buffer.from(block.buffer, block.byteOffset, TAR_BLOCK);
  if (buf.every((b) => b === 0)) return 'zero block (end of archive) where a header was expected';
  const stored = parseOctal(buf, 148, 8);
  if (stored === undefined || stored !== checksum(buf)) return 'header checksum mismatch';
  if (buf.toString('ascii', 257, 263) !== 'ustar\u0000' || buf.toString('ascii', 263, 265) !== '00') return 'not a ustar header';
  if (buf[156] !== 0x30 && buf[156] !== 0) return `not a regular file (typeflag ${String.fromCharCode(buf[156] ?? 0)})`;
  const size = parseOctal(buf, 124, 12);
  const mtime = parseOctal(buf, 136, 12);
  if (size === undefined || mtime === undefined) return 'bad size or mtime field';
  const nameEnd = buf.indexOf(0, 0);
  const name = buf.toString('utf8', 0, nameEnd === -1 || nameEnd > 100 ? 100 : nameEnd);
  return {name, size, mtime};
}

function checksum(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < TAR_BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
  return sum;
}

function writeOctal(block: Buffer, offset: number, width: number, value: number): void {
  block.write(`${value.toString(8).padStart(width - 1, '0')}\u0000`, offset, width, 'ascii');
}

function parseOctal(block: Buffer, offset: number, width: number): number | undefined {
  const text = block.toString('ascii', offset, offset + width).split('\u0000')[0]?.trim() ?? '';
  if (!/^[0-7]+$/.test(text)) return undefined;
  return Number.parseInt(text, 8);
}
