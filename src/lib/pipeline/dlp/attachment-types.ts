/**
 * What an attachment is, by its bytes, never by its name or declared type: file-type reads the magic numbers
 * (and tells an Office document, a ZIP inside, from a plain ZIP); what it does not say, whether an archive or
 * a PDF is encrypted, is read here:
 * - ZIP (APPNOTE.TXT 4.4.4): bit 0 of the general-purpose flags of any local header or central directory
 *   entry (traditional PKWARE and WinZip AES both set it);
 * - 7z (7zFormat.txt): the AES-256 coder's ID 06 F1 07 01 in the header the start header points to (an
 *   encrypted header, kEncodedHeader, names it too);
 * - PDF (ISO 32000-1 7.6.1): an /Encrypt entry in a trailer or cross-reference stream dictionary.
 * Archives inside archives are not opened.
 */
import type {Instance} from './instance.js';

/** What a rule's `types` may name. `encrypted` is any of the encrypted_* kinds. */
export const ATTACHMENT_KINDS = ['executable', 'archive', 'encrypted', 'encrypted_zip', 'encrypted_7z', 'encrypted_pdf'] as const;
export type AttachmentKind = (typeof ATTACHMENT_KINDS)[number];

/** One attachment as the attachment_type and size detectors see it. */
export interface AttachmentFinding {
  /** What its bytes are: file-type's extension (`exe`, `zip`, `pdf`), or undefined when unknown. */
  detected: string | undefined;
  kinds: AttachmentKind[];
  bytes: number;
  /** Its name and what it is (`invoice.txt: exe, named .txt`); names are not secrets. */
  sample: string;
}

const EXECUTABLES = new Set(['exe', 'elf', 'macho']);
const ARCHIVES = new Set(['zip', '7z', 'rar', 'gz', 'bz2', 'xz', 'tar', 'zst', 'cab', 'lz', 'lzh', 'arj', 'ar', 'cpio', 'Z', 'lzma']);

let fileType: Promise<typeof import('file-type')> | undefined;

/** Reads one attachment's bytes (see the module comment). */
export async function inspectAttachment(name: string, content: Uint8Array): Promise<AttachmentFinding> {
  const {fileTypeFromBuffer} = await (fileType ??= import('file-type'));
  const magic = content.length === 0 ? undefined : (await fileTypeFromBuffer(content))?.ext ?? ownMagic(content);
  // file-type calls anything that starts with "MZ" an exe; a text can too. A Windows program has its PE header.
  const detected = magic === 'exe' && !peSigned(content) ? undefined : magic;
  const kinds: AttachmentKind[] = [];
  if (detected !== undefined && EXECUTABLES.has(detected)) kinds.push('executable');
  if (detected !== undefined && ARCHIVES.has(detected)) kinds.push('archive');
  const encrypted = detected === 'zip' ? zipEncrypted(content) && 'encrypted_zip' : detected === '7z' ? sevenZipEncrypted(content) && 'encrypted_7z' : detected === 'pdf' ? pdfEncrypted(content) && 'encrypted_pdf' : false;
  if (encrypted !== false) kinds.push('encrypted', encrypted);
  const extension = /\.([^./\\]{1,10})$/.exec(name)?.[1]?.toLowerCase();
  const label = detected === undefined ? 'unknown type' : `${encrypted !== false ? 'encrypted ' : ''}${detected}`;
  const renamed = detected !== undefined && extension !== undefined && extension !== detected.toLowerCase() ? `, named .${extension}` : '';
  return {detected, kinds, bytes: content.length, sample: `${name === '' ? '(no name)' : name}: ${label}${renamed}`};
}

/** Executables file-type may miss on a short buffer: MZ (PE), ELF, Mach-O (thin, 32 and 64 bits, either order). */
function ownMagic(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0x4d && bytes[1] === 0x5a) return 'exe';
  if (bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46) return 'elf';
  const magic = bytes.length >= 4 ? Buffer.from(bytes.buffer, bytes.byteOffset, 4).readUInt32BE(0) : 0;
  if ([0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe].includes(magic)) return 'macho';
  return undefined;
}

/** Whether the DOS header's e_lfanew (offset 0x3c) points at the PE signature `PE\0\0`. */
function peSigned(bytes: Uint8Array): boolean {
  if (bytes.length < 0x40) return false;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = buffer.readUInt32LE(0x3c);
  return at + 4 <= buffer.length && buffer.readUInt32BE(at) === 0x50450000;
}

/** Whether any entry of a ZIP has general-purpose flag bit 0 (encrypted). */
export function zipEncrypted(bytes: Uint8Array): boolean {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const [signature, flagOffset] of [[CENTRAL, 8], [LOCAL, 6]] as const) {
    for (let at = buffer.indexOf(signature); at !== -1 && at + flagOffset + 2 <= buffer.length; at = buffer.indexOf(signature, at + 4)) {
      if ((buffer.readUInt16LE(at + flagOffset) & 1) === 1) return true;
    }
  }
  return false;
}
const LOCAL = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const CENTRAL = Buffer.from([0x50, 0x4b, 0x01, 0x02]);

const AES_CODER = Buffer.from([0x06, 0xf1, 0x07, 0x01]);
/** 7z's signature header: 6 bytes of magic, version, CRC, then the next header's offset and size (uint64 LE). */
const SEVEN_Z_START = 32;

/** Whether a 7z archive's header names the AES coder (see the module comment). */
export function sevenZipEncrypted(bytes: Uint8Array): boolean {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < SEVEN_Z_START) return false;
  const offset = Number(buffer.readBigUInt64LE(12));
  const size = Number(buffer.readBigUInt64LE(20));
  const start = SEVEN_Z_START + offset;
  if (!Number.isSafeInteger(start) || start >= buffer.length) return false;
  return buffer.subarray(start, Math.min(buffer.length, start + size)).includes(AES_CODER);
}

/** Whether a PDF has an /Encrypt entry (a reference `n g R` or a dictionary). */
export function pdfEncrypted(bytes: Uint8Array): boolean {
  return /\/Encrypt\s*(?:\d+\s+\d+\s+R|<<)/.test(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'));
}

/** An attachment finding as a detector instance: magic numbers leave no doubt. */
export function attachmentInstance(finding: AttachmentFinding): Instance {
  return {confidence: 'high', sample: finding.sample};
}
