/**
 * RFC 2047 encoded-words (`=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=`) in ENVELOPE subjects and display names: IMAP
 * returns header text undecoded (RFC 3501 section 7.4.2). Decoded with the runtime's TextDecoder, so any
 * charset of the WHATWG Encoding Standard works; a word in an unknown charset is left as it was.
 */

/** encoded-word = "=?" charset ["*" language (RFC 2231)] "?" encoding "?" encoded-text "?=" */
const ENCODED_WORD = /=\?([^?\s*]+)(?:\*[^?\s]*)?\?([BbQq])\?([^?\s]*)\?=/g;

/** The global TextDecoder's instance type (the project compiles without the DOM library). */
type Decoder = InstanceType<typeof TextDecoder>;

const decoders = new Map<string, Decoder | null>();

/**
 * Decodes every RFC 2047 encoded-word in `text`; blanks between two adjacent encoded-words are dropped
 * (RFC 2047 section 6.2). Text without `=?` is returned as is, at no cost.
 */
export function decodeEncodedWords(text: string): string {
  if (!text.includes('=?')) return text;
  let out = '';
  let last = 0;
  let previousDecoded = false;
  for (const match of text.matchAll(ENCODED_WORD)) {
    const index = match.index;
    const between = text.slice(last, index);
    const decoded = decodeWord(match[1] ?? '', match[2] ?? '', match[3] ?? '');
    if (!(previousDecoded && decoded !== undefined && /^\s*$/.test(between))) out += between;
    out += decoded ?? match[0];
    previousDecoded = decoded !== undefined;
    last = index + match[0].length;
  }
  return out + text.slice(last);
}

function decodeWord(charset: string, encoding: string, payload: string): string | undefined {
  const decoder = decoderFor(charset);
  if (decoder === undefined) return undefined;
  const bytes = encoding === 'B' || encoding === 'b' ? base64Bytes(payload) : qBytes(payload);
  return bytes === undefined ? undefined : decoder.decode(bytes);
}

function decoderFor(charset: string): Decoder | undefined {
  const key = charset.toLowerCase();
  let decoder = decoders.get(key);
  if (decoder === undefined) {
    try {
      decoder = new TextDecoder(key);
    } catch {
      decoder = null; // unknown charset: remembered, and the word stays encoded
    }
    decoders.set(key, decoder);
  }
  return decoder ?? undefined;
}

/** RFC 2047 section 4.2: `_` is a space, `=XX` an octet, other characters themselves. */
function qBytes(payload: string): Uint8Array | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < payload.length; i++) {
    const c = payload.charCodeAt(i);
    if (c === 0x5f) {
      bytes.push(0x20);
    } else if (c === 0x3d) {
      const hex = payload.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      return undefined;
    }
  }
  return Uint8Array.from(bytes);
}

/** RFC 2047 section 4.1: base64 (RFC 2045), padding optional in practice. */
function base64Bytes(payload: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(payload)) return undefined;
  return Buffer.from(payload, 'base64');
}
