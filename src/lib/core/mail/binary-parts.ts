/**
 * The search indexes attachments' file names, never their content; yet decoding their base64 was most of the
 * time spent parsing real mail (attachments are ~85% of its bytes). So before postal-mime sees a message,
 * the body lines of base64 parts that are not text (nor a message, nor multipart) are left out: their
 * headers stay, so the parser still sees each attachment with its name and type, only empty.
 *
 * Only lines inside such a part are dropped, up to the next boundary line (`--` + a boundary declared by a
 * Content-Type seen before; base64 never contains `-`). A message without such parts is returned as is.
 */

const BASE64 = /^\s*base64\s*$/i;
const KEEP_TYPES = /^\s*(text|message|multipart)\//i;
const BOUNDARY = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^\s;]+))/i;

/** `bytes` without the base64 content of non-text parts (see the module comment). */
export function withoutBinaryContent(bytes: Uint8Array): Uint8Array {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = buffer.toString('latin1');
  const boundaries = new Set<string>();
  const kept: Buffer[] = [];
  let header: string[] = [];
  let inHeaders = true;
  let skipping = false;
  let dropping = false;
  let keptFrom = 0;
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline < 0 ? text.length : newline + 1;
    const line = text.slice(start, newline < 0 ? end : text.charCodeAt(newline - 1) === 13 ? newline - 1 : newline);
    if (inHeaders) {
      if (line === '') {
        const {type, encoding} = fields(header);
        const boundary = BOUNDARY.exec(type);
        if (boundary !== null) boundaries.add(`--${boundary[1] ?? boundary[2]}`);
        skipping = BASE64.test(encoding) && type !== '' && !KEEP_TYPES.test(type);
        inHeaders = false;
        header = [];
      } else if ((line.startsWith(' ') || line.startsWith('\t')) && header.length > 0) header[header.length - 1] += line;
      else header.push(line);
    } else if (line.startsWith('--') && (boundaries.has(line.trimEnd()) || boundaries.has(line.trimEnd().slice(0, -2)))) {
      if (dropping) keptFrom = start;
      dropping = false;
      skipping = false;
      inHeaders = boundaries.has(line.trimEnd());
    } else if (skipping && !dropping) {
      kept.push(buffer.subarray(keptFrom, start));
      dropping = true;
    }
    start = end;
  }
  if (kept.length === 0) return bytes;
  if (!dropping) kept.push(buffer.subarray(keptFrom));
  return Buffer.concat(kept);
}

function fields(lines: readonly string[]): {type: string; encoding: string} {
  let type = '';
  let encoding = '';
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name === 'content-type') type = line.slice(colon + 1);
    else if (name === 'content-transfer-encoding') encoding = line.slice(colon + 1);
  }
  return {type, encoding};
}
