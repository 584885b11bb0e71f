/** Rules, messages and attachments for the DLP tests, made here byte by byte. */

/** A rule file with every detector (line numbers matter to the tests). */
export const RULES = `# Rules of the tests
rules:
  - name: cards
    severity: high
    condition: {detector: credit_card, min_confidence: high}
  - name: bank-details-out
    severity: critical
    condition:
      all:
        - {detector: iban, min_count: 2}
        - any:
            - {detector: keywords, words: [confidential, internal only], near: [payment], within: 100}
            - {detector: regex, pattern: 'EMP-\\d{6}', ignore_case: true}
    scope: {direction: out, groups: [finance], folders: ['Sent*'], users: [alice]}
    actions: [alert, notify]
  - name: risky-attachments
    severity: medium
    condition:
      any:
        - {detector: attachment_type, types: [executable, encrypted]}
        - {detector: size, message_above: 10MB, attachment_above: 2MiB}
        - {detector: email_list, min_count: 50}
        - {detector: phone_list, min_count: 20, min_confidence: low}
`;


export interface Part {
  name: string;
  type: string;
  content: Uint8Array | string;
}

/** An RFC 5322 message: a text/plain body and base64 attachments. */
export function mail(options: {subject?: string; body?: string; html?: string; attachments?: Part[]}): Buffer {
  const boundary = 'b-dlp-0001';
  const head = ['From: Alice <alice@example.org>', 'To: bob@example.com', `Subject: ${options.subject ?? 'Hello'}`, 'Message-ID: <dlp-test@example.org>', 'Date: Mon, 07 Dec 2026 10:00:00 +0000', 'MIME-Version: 1.0'];
  const body = options.html === undefined ? ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', options.body ?? ''] : ['Content-Type: text/html; charset=utf-8', '', options.html];
  if (options.attachments === undefined || options.attachments.length === 0) return Buffer.from([...head, ...body, ''].join('\r\n'));
  const lines = [...head, `Content-Type: multipart/mixed; boundary="${boundary}"`, '', `--${boundary}`, ...body];
  for (const part of options.attachments) {
    const base64 = Buffer.from(part.content).toString('base64').replace(/.{76}/g, '$&\r\n');
    lines.push(`--${boundary}`, `Content-Type: ${part.type}; name="${part.name}"`, `Content-Disposition: attachment; filename="${part.name}"`, 'Content-Transfer-Encoding: base64', '', base64);
  }
  lines.push(`--${boundary}--`, '');
  return Buffer.from(lines.join('\r\n'));
}

/** A one-entry ZIP (stored, APPNOTE.TXT 4.3.7 and 4.3.12); `encrypted` sets general-purpose bit 0 in both headers. */
export function zip(name: string, data: string, encrypted: boolean): Buffer {
  const content = Buffer.from(data);
  const nameBytes = Buffer.from(name);
  const flags = encrypted ? 1 : 0;
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(flags, 6);
  local.writeUInt32LE(content.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(flags, 8);
  central.writeUInt32LE(content.length, 20);
  central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + nameBytes.length, 12);
  end.writeUInt32LE(30 + nameBytes.length + content.length, 16);
  return Buffer.concat([local, nameBytes, content, central, nameBytes, end]);
}

/** The start of a PE executable: DOS header (MZ, e_lfanew at 0x3c) and the PE signature. */
export function peExecutable(): Buffer {
  const bytes = Buffer.alloc(256);
  bytes.write('MZ', 0, 'latin1');
  bytes.writeUInt32LE(0x80, 0x3c);
  bytes.write('PE\0\0', 0x80, 'latin1');
  bytes.write('This program cannot be run in DOS mode.', 0x4e, 'latin1');
  return bytes;
}

/** An ELF header (64-bit, little-endian). */
export function elfExecutable(): Buffer {
  const bytes = Buffer.alloc(64);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(bytes);
  bytes.writeUInt16LE(2, 16);
  bytes.writeUInt16LE(0x3e, 18);
  return bytes;
}

/** A minimal PDF; `encrypted` puts an /Encrypt reference in its trailer. */
export function pdf(encrypted: boolean): Buffer {
  const trailer = encrypted ? 'trailer\n<< /Size 3 /Root 1 0 R /Encrypt 2 0 R >>' : 'trailer\n<< /Size 2 /Root 1 0 R >>';
  return Buffer.from(`%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n${trailer}\n%%EOF\n`, 'latin1');
}

/** A 7z archive whose header names `coder` (AES 06 F1 07 01 for an encrypted one, LZMA 03 01 01 otherwise). */
export function sevenZip(encrypted: boolean): Buffer {
  const header = Buffer.from([0x01, 0x04, 0x06, 0x00, 0x0b, ...(encrypted ? [0x24, 0x06, 0xf1, 0x07, 0x01] : [0x03, 0x03, 0x01, 0x01]), 0x00, 0x00]);
  const packed = Buffer.alloc(16, 0x5a);
  const start = Buffer.alloc(32);
  Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4]).copy(start);
  start.writeBigUInt64LE(BigInt(packed.length), 12);
  start.writeBigUInt64LE(BigInt(header.length), 20);
  return Buffer.concat([start, packed, header]);
}
