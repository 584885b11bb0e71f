/**
 * Attachments for bench/archive's corpus, with the structure of the real formats so that they compress as
 * real ones do:
 * - PDF: objects, an xref table with true offsets, a trailer; page content streams of text operators
 *   compressed with node:zlib (FlateDecode), an embedded font program, and photos or scans as DCTDecode
 *   images. What is inside a stream is incompressible, as in a real PDF.
 * - JPEG (JFIF or Exif, DQT, SOF0, DHT, SOS, byte-stuffed scan, EOI) and PNG (IHDR, IDAT chunks with CRCs):
 *   real headers around an incompressible payload.
 * - Office documents (docx, xlsx, pptx) and zip files: a real zip (local headers, CRC-32, central directory)
 *   whose XML members are deflated with node:zlib and whose media are stored.
 * - CSV exports, calendar invitations (ICS) and log or text files: compressible.
 * Each says how many of its bytes are already compressed (`incompressible`).
 */
import {crc32, deflateRawSync, deflateSync} from 'node:zlib';
import type {Rng} from './mail-rng.js';
import {paragraph, sentence, type Language} from './mail-words.js';

export type AttachmentKind = 'pdf' | 'jpeg' | 'png' | 'docx' | 'xlsx' | 'pptx' | 'zip' | 'csv' | 'txt' | 'ics';

export interface Attachment {
  kind: AttachmentKind;
  filename: string;
  /** Content-Type without parameters. */
  contentType: string;
  bytes: Buffer;
  /** Bytes of `bytes` that are compressed already (deflate streams, JPEG scans, zip members). */
  incompressible: number;
}

/** Makes an attachment of about `size` bytes. */
export function makeAttachment(rng: Rng, kind: AttachmentKind, size: number, language: Language, stem: string): Attachment {
  switch (kind) {
    case 'pdf':
      return {kind, filename: `${stem}.pdf`, contentType: 'application/pdf', ...makePdf(rng, size, language)};
    case 'jpeg':
      return {kind, filename: `${rng.chance(0.6) ? `IMG_${rng.int(1000, 9999)}` : stem}.jpg`, contentType: 'image/jpeg', ...makeJpeg(rng, size, rng.chance(0.6))};
    case 'png':
      return {kind, filename: `${rng.chance(0.5) ? `Screenshot ${rng.int(2025, 2026)}-0${rng.int(1, 9)}-1${rng.int(0, 9)} ${rng.int(10, 23)}${rng.int(10, 59)}${rng.int(10, 59)}` : stem}.png`, contentType: 'image/png', ...makePng(rng, size)};
    case 'docx':
      return {kind, filename: `${stem}.docx`, contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', ...makeOffice(rng, 'docx', size, language)};
    case 'xlsx':
      return {kind, filename: `${stem}.xlsx`, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', ...makeOffice(rng, 'xlsx', size, language)};
    case 'pptx':
      return {kind, filename: `${stem}.pptx`, contentType: 'application/vnd.openxmlformats-officedocument.presentationml.presentation', ...makeOffice(rng, 'pptx', size, language)};
    case 'zip':
      return {kind, filename: `${stem}.zip`, contentType: 'application/zip', ...makeOffice(rng, 'zip', size, language)};
    case 'csv': {
      const bytes = makeCsv(rng, size, language);
      return {kind, filename: `${stem}.csv`, contentType: 'text/csv', bytes, incompressible: 0};
    }
    case 'txt': {
      const bytes = makeLog(rng, size);
      return {kind, filename: `${stem}.log`, contentType: 'text/plain', bytes, incompressible: 0};
    }
    case 'ics':
      throw new Error('calendar invitations are made with makeIcs');
  }
}

// ---------------------------------------------------------------------------------------------------------
// PDF

/** A text PDF (reports, invoices, contracts) or a scan (one photographed page per page). */
function makePdf(rng: Rng, size: number, language: Language): {bytes: Buffer; incompressible: number} {
  const scan = rng.chance(0.3);
  const objects: Buffer[] = []; // objects[i] is object i + 1
  const add = (body: string | Buffer) => objects.push(typeof body === 'string' ? Buffer.from(body, 'latin1') : body) as number;
  let incompressible = 0;
  const stream = (dict: string, data: Buffer) => {
    incompressible += data.length;
    return Buffer.concat([Buffer.from(`<< ${dict} /Length ${data.length} >>\nstream\n`, 'latin1'), data, Buffer.from('\nendstream', 'latin1')]);
  };
  const catalog = add('<< /Type /Catalog /Pages 2 0 R /Lang (de-DE) /MarkInfo << /Marked true >> >>');
  const pagesAt = add(''); // filled in at the end
  const fontProgram = scan ? 0 : add(stream(`/Filter /FlateDecode /Length1 ${rng.int(40_000, 90_000)}`, rng.noise(rng.int(15_000, 35_000))));
  const descriptor = add(
    `<< /Type /FontDescriptor /FontName /${rng.alnum(6).toUpperCase()}+Calibri /Flags 32 /ItalicAngle 0 /Ascent 750 /Descent -250 /CapHeight 632 /StemV 80 /FontBBox [-503 -313 1240 1026]${scan ? '' : ` /FontFile2 ${fontProgram} 0 R`} >>`,
  );
  const widths = Array.from({length: 224}, () => rng.int(200, 900)).join(' ');
  const font = add(`<< /Type /Font /Subtype /TrueType /BaseFont /Calibri /FirstChar 32 /LastChar 255 /Encoding /WinAnsiEncoding /FontDescriptor ${descriptor} 0 R /Widths [${widths}] >>`);
  const pages: number[] = [];
  let total = objects.reduce((n, o) => n + o.length, 0);
  while (total < size || pages.length === 0) {
    const images: number[] = [];
    if (scan || (pages.length > 0 && total + 60_000 < size && rng.chance(0.4))) {
      const imageBytes = scan ? Math.min(size - total, rng.int(80_000, 260_000)) : rng.int(20_000, Math.min(250_000, Math.max(20_001, size - total)));
      const image = makeJpeg(rng, Math.max(4000, imageBytes), false).bytes;
      images.push(add(stream(`/Type /XObject /Subtype /Image /Width ${scan ? 2480 : 1200} /Height ${scan ? 3508 : 800} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode`, image)));
    }
    const ops: string[] = ['/Artifact <</Type /Pagination>> BDC', 'BT /F1 9 Tf 1 0 0 1 500 30 Tm', `(${pages.length + 1}) Tj ET EMC`];
    for (let i = 0; i < images.length; i++) ops.push(`q ${scan ? '595.2 0 0 841.9 0 0' : '451 0 0 300 72 400'} cm /Im${i + 1} Do Q`);
    if (!scan) {
      ops.push('BT /F1 11 Tf 14 TL 1 0 0 1 72 770 Tm');
      for (let line = 0; line < 48; line++) ops.push(`<${utf16Hex(sentence(rng, language).slice(0, 90))}> Tj T*`);
      ops.push('ET', '0.5 w 72 120 m 523 120 l S');
    }
    const content = add(stream('/Filter /FlateDecode', deflateSync(Buffer.from(ops.join('\n'), 'latin1'))));
    const xobjects = images.map((id, i) => `/Im${i + 1} ${id} 0 R`).join(' ');
    pages.push(add(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.32 841.92] /Resources << /Font << /F1 ${font} 0 R >>${xobjects === '' ? '' : ` /XObject << ${xobjects} >>`} /ProcSet [/PDF /Text /ImageC] >> /Contents ${content} 0 R /StructParents ${pages.length} >>`));
    total = objects.reduce((n, o) => n + o.length, 0);
  }
  objects[pagesAt - 1] = Buffer.from(`<< /Type /Pages /Kids [${pages.map((p) => `${p} 0 R`).join(' ')}] /Count ${pages.length} >>`, 'latin1');
  const info = add(`<< /Producer (${scan ? 'Canon iR-ADV C5535' : 'Microsoft\\256 Word f\\374r Microsoft 365'}) /CreationDate (D:2026${rng.int(10, 12)}${rng.int(10, 28)}${rng.int(10, 23)}${rng.int(10, 59)}00+01'00') >>`);
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let offset = parts[0]?.length ?? 0;
  const offsets: number[] = [];
  for (const [i, body] of objects.entries()) {
    offsets.push(offset);
    const obj = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`, 'latin1'), body, Buffer.from('\nendobj\n', 'latin1')]);
    parts.push(obj);
    offset += obj.length;
  }
  const id = rng.hex(32).toUpperCase();
  const xref = [`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`, ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`)].join('');
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${objects.length + 1} /Root ${catalog} 0 R /Info ${info} 0 R /ID [<${id}><${id}>] >>\nstartxref\n${offset}\n%%EOF\n`, 'latin1'));
  return {bytes: Buffer.concat(parts), incompressible};
}

/** Text as PDF hex string content (UTF-16BE code units, as with an Identity-H font). */
function utf16Hex(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += text.charCodeAt(i).toString(16).padStart(4, '0');
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// JPEG and PNG

// The quantisation tables of the JPEG standard's example (ITU T.81 Annex K), scaled for quality ~85.
const LUMA_Q = [5, 3, 3, 5, 7, 12, 15, 18, 4, 4, 4, 6, 8, 17, 18, 17, 4, 4, 5, 7, 12, 17, 21, 17, 4, 5, 7, 9, 15, 26, 24, 19, 5, 7, 11, 17, 20, 33, 31, 23, 7, 11, 17, 19, 24, 31, 34, 28, 15, 19, 23, 26, 31, 36, 36, 30, 22, 28, 29, 29, 34, 30, 31, 30];
const CHROMA_Q = [5, 5, 7, 14, 30, 30, 30, 30, 5, 6, 8, 20, 30, 30, 30, 30, 7, 8, 17, 30, 30, 30, 30, 30, 14, 20, 30, 30, 30, 30, 30, 30, ...Array<number>(32).fill(30)];
// Huffman code lengths of the standard tables (Annex K.3); the symbol lists follow them.
const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const AC_BITS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];

function segment(marker: number, body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(0xff00 | marker, 0);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

function huffmanTable(classAndId: number, bits: number[], symbols: number): Buffer {
  return Buffer.from([classAndId, ...bits, ...Array.from({length: symbols}, (_, i) => (i * 37 + 1) & 0xff)]);
}

/** A baseline JPEG of about `size` bytes: a phone photo (Exif) or a plain JFIF. */
export function makeJpeg(rng: Rng, size: number, camera: boolean): {bytes: Buffer; incompressible: number} {
  const width = rng.pick([1024, 1280, 1600, 2048, 3024, 4032]);
  const height = Math.round((width * 3) / 4);
  const head: Buffer[] = [Buffer.from([0xff, 0xd8])];
  if (camera) {
    const tiff = Buffer.concat([
      Buffer.from('Exif\0\0MM\0*\0\0\0\x08', 'latin1'),
      Buffer.from(`\0\x0cApple\0iPhone ${rng.int(11, 15)} Pro\0${rng.int(16, 17)}.${rng.int(0, 6)}.1\0${2025}:0${rng.int(1, 9)}:1${rng.int(0, 9)} 1${rng.int(0, 9)}:${rng.int(10, 59)}:${rng.int(10, 59)}\0`, 'latin1'),
      rng.noise(rng.int(6000, 12_000)), // the embedded thumbnail, itself a JPEG
    ]);
    head.push(segment(0xe1, tiff));
  } else head.push(segment(0xe0, Buffer.from([0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 1, 0, 72, 0, 72, 0, 0])));
  head.push(segment(0xdb, Buffer.from([0, ...LUMA_Q, 1, ...CHROMA_Q])));
  const sof = Buffer.from([8, 0, 0, 0, 0, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  sof.writeUInt16BE(height, 1);
  sof.writeUInt16BE(width, 3);
  head.push(segment(0xc0, sof));
  head.push(segment(0xc4, Buffer.concat([huffmanTable(0x00, DC_BITS, 12), huffmanTable(0x10, AC_BITS, 162), huffmanTable(0x01, DC_BITS, 12), huffmanTable(0x11, AC_BITS, 162)])));
  head.push(segment(0xda, Buffer.from([3, 1, 0, 2, 0x11, 3, 0x11, 0, 0x3f, 0])));
  const headBytes = head.reduce((n, b) => n + b.length, 0);
  const scan = stuff(rng.noise(Math.max(512, size - headBytes - 2)));
  return {bytes: Buffer.concat([...head, scan, Buffer.from([0xff, 0xd9])]), incompressible: scan.length};
}

/** Byte stuffing of an entropy-coded segment: every 0xFF is followed by 0x00. */
function stuff(data: Buffer): Buffer {
  let ff = 0;
  for (let i = 0; i < data.length; i++) if (data[i] === 0xff) ff++;
  const out = Buffer.alloc(data.length + ff);
  for (let i = 0, j = 0; i < data.length; i++) {
    const b = data[i] as number;
    out[j++] = b;
    if (b === 0xff) out[j++] = 0;
  }
  return out;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc32(data, crc32(head.subarray(4))) >>> 0, 0);
  return Buffer.concat([head, data, tail]);
}

/** A PNG of about `size` bytes (a screenshot or a logo): real chunks, an incompressible zlib stream. */
export function makePng(rng: Rng, size: number): {bytes: Buffer; incompressible: number} {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(rng.int(200, 2560), 0);
  ihdr.writeUInt32BE(rng.int(60, 1440), 4);
  ihdr.set([8, rng.chance(0.5) ? 6 : 2, 0, 0, 0], 8);
  const chunks = [Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), pngChunk('IHDR', ihdr), pngChunk('sRGB', Buffer.from([0])), pngChunk('pHYs', Buffer.from([0, 0, 0x0e, 0xc4, 0, 0, 0x0e, 0xc4, 1]))];
  if (rng.chance(0.5)) chunks.push(pngChunk('tEXt', Buffer.from(`Software\0${rng.pick(['Greenshot', 'Snipping Tool', 'gnome-screenshot', 'Adobe ImageReady'])}`, 'latin1')));
  const zlib = Buffer.concat([Buffer.from([0x78, 0x9c]), rng.noise(Math.max(64, size - 120))]);
  for (let at = 0; at < zlib.length; at += 8192) chunks.push(pngChunk('IDAT', zlib.subarray(at, at + 8192)));
  chunks.push(pngChunk('IEND', Buffer.alloc(0)));
  return {bytes: Buffer.concat(chunks), incompressible: zlib.length};
}

// ---------------------------------------------------------------------------------------------------------
// Zip: office documents and archives

interface ZipEntry {
  name: string;
  data: Buffer;
  /** Deflate (XML) or store (media, already compressed). */
  deflate: boolean;
}

function makeZip(entries: ZipEntry[]): {bytes: Buffer; incompressible: number} {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  let incompressible = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const data = entry.deflate ? deflateRawSync(entry.data) : entry.data;
    incompressible += data.length;
    const crc = crc32(entry.data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(entry.deflate ? 8 : 0, 8);
    local.writeUInt16LE(0x6000, 10); // 12:00
    local.writeUInt16LE(0x5a63, 12); // 2025-03-03
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(0x031e, 4);
    local.copy(dir, 6, 4, 30);
    dir.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    central.push(dir, name);
    offset += local.length + name.length + data.length;
  }
  const dirBytes = central.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dirBytes, 12);
  end.writeUInt32LE(offset, 16);
  return {bytes: Buffer.concat([...locals, ...central, end]), incompressible};
}

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n';

function styles(rng: Rng, count: number): string {
  const out: string[] = [`${XML_HEAD}<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">`];
  for (let i = 0; i < count; i++) {
    out.push(
      `<w:style w:type="paragraph" w:styleId="Style${i}"><w:name w:val="${rng.pick(['heading', 'List Paragraph', 'Body Text', 'Table Grid', 'Caption'])} ${i}"/><w:basedOn w:val="Normal"/><w:uiPriority w:val="${rng.int(1, 99)}"/><w:qFormat/><w:pPr><w:spacing w:before="${rng.int(0, 480)}" w:after="${rng.int(0, 240)}" w:line="259" w:lineRule="auto"/></w:pPr><w:rPr><w:rFonts w:asciiTheme="minorHAnsi" w:hAnsiTheme="minorHAnsi"/><w:sz w:val="${rng.int(16, 32)}"/></w:rPr></w:style>`,
    );
  }
  return `${out.join('')}</w:styles>`;
}

/** docx, xlsx or pptx (XML parts deflated, media stored), or a zip of documents and photos; about `size` bytes. */
function makeOffice(rng: Rng, kind: 'docx' | 'xlsx' | 'pptx' | 'zip', size: number, language: Language): {bytes: Buffer; incompressible: number} {
  const entries: ZipEntry[] = [];
  const xml = (name: string, text: string) => entries.push({name, data: Buffer.from(text, 'utf8'), deflate: true});
  if (kind !== 'zip') {
    xml('[Content_Types].xml', `${XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="jpeg" ContentType="image/jpeg"/></Types>`);
    xml('_rels/.rels', `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`);
    xml('docProps/core.xml', `${XML_HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>${sentence(rng, language)}</dc:title><dc:creator>${rng.pick(language.firstNames)} ${rng.pick(language.lastNames)}</dc:creator></cp:coreProperties>`);
    xml('docProps/app.xml', `${XML_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Microsoft Office Word</Application><AppVersion>16.0000</AppVersion></Properties>`);
  }
  const budget = () => size - entries.reduce((n, e) => n + (e.deflate ? e.data.length / 6 : e.data.length), 0);
  if (kind === 'docx') {
    xml('word/styles.xml', styles(rng, rng.int(60, 160)));
    const paragraphs: string[] = [];
    const count = Math.max(8, Math.min(400, Math.round(size / 1500)));
    for (let i = 0; i < count; i++) paragraphs.push(`<w:p><w:pPr><w:pStyle w:val="Style${rng.int(0, 20)}"/></w:pPr><w:r><w:rPr><w:lang w:val="${language.lang}"/></w:rPr><w:t xml:space="preserve">${paragraph(rng, language, 6)}</w:t></w:r></w:p>`);
    xml('word/document.xml', `${XML_HEAD}<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${paragraphs.join('')}</w:body></w:document>`);
  } else if (kind === 'xlsx') {
    const rows: string[] = [];
    const count = Math.max(20, Math.min(20_000, Math.round(size / 45)));
    for (let r = 1; r <= count; r++) rows.push(`<row r="${r}"><c r="A${r}" t="s"><v>${rng.int(0, 200)}</v></c><c r="B${r}"><v>${rng.int(1, 99_999)}</v></c><c r="C${r}" s="2"><v>${(rng.float() * 10_000).toFixed(2)}</v></c><c r="D${r}" s="3"><v>${45_000 + rng.int(0, 800)}</v></c></row>`);
    xml('xl/worksheets/sheet1.xml', `${XML_HEAD}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${rows.join('')}</sheetData></worksheet>`);
    xml('xl/sharedStrings.xml', `${XML_HEAD}<sst count="200" uniqueCount="200">${Array.from({length: 200}, () => `<si><t>${sentence(rng, language).slice(0, 40)}</t></si>`).join('')}</sst>`);
    xml('xl/styles.xml', styles(rng, rng.int(20, 60)));
  } else if (kind === 'pptx') {
    for (let s = 1; s <= rng.int(5, 25); s++) xml(`ppt/slides/slide${s}.xml`, `${XML_HEAD}<p:sld xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>${paragraph(rng, language, 3)}</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>`);
  } else {
    for (let d = 1; d <= rng.int(2, 6) && budget() > 4000; d++) {
      const part = makeOffice(rng, 'docx', Math.min(budget(), rng.int(10_000, 80_000)), language);
      entries.push({name: `Unterlagen/Dokument ${d}.docx`, data: part.bytes, deflate: false});
    }
  }
  let media = 1;
  while (budget() > 2000) {
    const photo = makeJpeg(rng, Math.min(budget(), rng.int(40_000, 900_000)), kind === 'zip').bytes;
    entries.push({name: kind === 'zip' ? `Fotos/IMG_${rng.int(1000, 9999)}.jpg` : `${kind === 'pptx' ? 'ppt' : kind === 'xlsx' ? 'xl' : 'word'}/media/image${media++}.jpeg`, data: photo, deflate: false});
  }
  return makeZip(entries);
}

// ---------------------------------------------------------------------------------------------------------
// Compressible attachments

/** A CSV export (orders, time sheets) of about `size` bytes; `;` separated where Excel expects it. */
function makeCsv(rng: Rng, size: number, language: Language): Buffer {
  const sep = language.lang === 'de' || language.lang === 'fr' ? ';' : ',';
  const lines = [['Date', 'Order', 'Customer', 'Item', 'Quantity', 'Amount', 'Currency', 'Comment'].join(sep)];
  let bytes = lines[0]?.length ?? 0;
  while (bytes < size) {
    const line = [
      `2026-0${rng.int(1, 9)}-${String(rng.int(1, 28)).padStart(2, '0')}`,
      `SO-${rng.int(100_000, 999_999)}`,
      `${rng.pick(language.lastNames)} ${rng.pick(['GmbH', 'SARL', 'S.L.', 'Ltd', 'AG', 'KK'])}`,
      `ART-${rng.int(1000, 9999)}`,
      String(rng.int(1, 500)),
      (rng.float() * 5000).toFixed(2).replace('.', sep === ';' ? ',' : '.'),
      rng.pick(['EUR', 'EUR', 'EUR', 'USD', 'JPY']),
      rng.chance(0.3) ? `"${sentence(rng, language).slice(0, 60)}"` : '',
    ].join(sep);
    lines.push(line);
    bytes += Buffer.byteLength(line) + 2;
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
}

/** An application log of about `size` bytes. */
function makeLog(rng: Rng, size: number): Buffer {
  const lines: string[] = [];
  let bytes = 0;
  let t = Date.UTC(2026, rng.int(0, 2), rng.int(1, 28), 6);
  while (bytes < size) {
    t += rng.int(1, 4000);
    const level = rng.weighted([['INFO ', 20], ['DEBUG', 10], ['WARN ', 2], ['ERROR', 1]] as const);
    const line = `${new Date(t).toISOString().replace('T', ' ').replace('Z', '')} ${level} [${rng.pick(['main', 'worker-1', 'worker-2', 'worker-3', 'scheduler', 'http-nio-8080-exec-4'])}] ${rng.pick(['com.example.order.OrderService', 'com.example.billing.InvoiceJob', 'org.hibernate.SQL', 'com.example.sync.ImportTask'])} - ${rng.pick(['Processed order', 'Invoice generated for', 'Retrying request', 'Imported record', 'Cache miss for key'])} ${rng.int(10_000, 999_999)} in ${rng.int(1, 900)} ms`;
    lines.push(line);
    bytes += line.length + 2;
    if (level === 'ERROR') {
      lines.push('java.lang.IllegalStateException: connection reset', '\tat com.example.sync.ImportTask.run(ImportTask.java:142)', '\tat java.base/java.lang.Thread.run(Thread.java:1583)');
      bytes += 140;
    }
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n`, 'latin1');
}

/** A meeting request as Outlook writes it: a long VTIMEZONE, attendees, the description as text and as HTML. */
export function makeIcs(rng: Rng, organizer: {name: string; address: string}, attendees: Array<{name: string; address: string}>, summary: string, description: string, start: number): Buffer {
  const stamp = (t: number) => new Date(t).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const fold = (line: string) => {
    const out: string[] = [];
    for (let at = 0; at < line.length; at += 73) out.push((at === 0 ? '' : ' ') + line.slice(at, at + 73));
    return out.join('\r\n');
  };
  const escaped = description.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r\n/g, '\\n');
  const lines = [
    'BEGIN:VCALENDAR', 'METHOD:REQUEST', 'PRODID:Microsoft Exchange Server 2010', 'VERSION:2.0',
    'BEGIN:VTIMEZONE', 'TZID:W. Europe Standard Time',
    'BEGIN:STANDARD', 'DTSTART:16010101T030000', 'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10', 'END:STANDARD',
    'BEGIN:DAYLIGHT', 'DTSTART:16010101T020000', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0200', 'RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3', 'END:DAYLIGHT',
    'END:VTIMEZONE', 'BEGIN:VEVENT',
    fold(`ORGANIZER;CN="${organizer.name}":mailto:${organizer.address}`),
    ...attendees.map((a) => fold(`ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN="${a.name}":mailto:${a.address}`)),
    fold(`DESCRIPTION;LANGUAGE=de-DE:${escaped}`),
    fold(`UID:040000008200E00074C5B7101A82E00800000000${rng.hex(64).toUpperCase()}`),
    fold(`SUMMARY;LANGUAGE=de-DE:${summary}`),
    `DTSTART;TZID=W. Europe Standard Time:${stamp(start).slice(0, 15)}`,
    `DTEND;TZID=W. Europe Standard Time:${stamp(start + 3_600_000).slice(0, 15)}`,
    'CLASS:PUBLIC', 'PRIORITY:5', `DTSTAMP:${stamp(start - 86_400_000 * rng.int(1, 14))}`, 'TRANSP:OPAQUE', 'STATUS:CONFIRMED', 'SEQUENCE:0',
    fold(`LOCATION;LANGUAGE=de-DE:${rng.pick(['Microsoft Teams-Besprechung', 'Raum 2.14', 'Konferenzraum Elbe', 'Zoom'])}`),
    'X-MICROSOFT-CDO-APPT-SEQUENCE:0', 'X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE', 'X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY', 'X-MICROSOFT-CDO-ALLDAYEVENT:FALSE',
    'X-MICROSOFT-CDO-IMPORTANCE:1', 'X-MICROSOFT-CDO-INSTTYPE:0', 'X-MICROSOFT-DONOTFORWARDMEETING:FALSE', 'X-MICROSOFT-DISALLOW-COUNTER:FALSE',
    fold(`X-ALT-DESC;FMTTYPE=text/html:<html><head><meta name="Generator" content="Microsoft Exchange Server"></head><body><div>${escaped.replace(/\\n/g, '<br>')}</div><div style="width:100%;height:20px"><span style="white-space:nowrap;color:#5F5F5F;opacity:.36">________________________________________________________________________________</span></div></body></html>`),
    'BEGIN:VALARM', 'DESCRIPTION:REMINDER', 'TRIGGER;RELATED=START:-PT15M', 'ACTION:DISPLAY', 'END:VALARM',
    'END:VEVENT', 'END:VCALENDAR',
  ];
  return Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
}
