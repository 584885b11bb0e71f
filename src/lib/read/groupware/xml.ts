/**
 * A small XML reader for groupware objects (xCal, RFC 6321; xCard, RFC 6351; Kolab's own formats): elements,
 * text, CDATA and character references into a tree. Enough for what Kolab clients write; not a validating
 * parser (no DTDs, entities beyond XML's five). Namespace prefixes are dropped: the formats never mix two
 * vocabularies with one local name.
 */
import {BonnieError} from '../../base/errors.js';

/** An element: its local name, attributes, child elements and its own text (child text not included). */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const PREDEFINED: Record<string, string> = {lt: '<', gt: '>', amp: '&', quot: '"', apos: "'"};

/** Parses `source` into its root element. Throws BonnieError `XmlInvalid` where it cannot be read. */
export function parseXml(source: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let at = 0;
  const fail = (why: string): never => {
    throw new BonnieError('XmlInvalid', `the object's XML cannot be read at offset ${at}: ${why}`);
  };
  while (at < source.length) {
    const open = source.indexOf('<', at);
    const textEnd = open < 0 ? source.length : open;
    if (textEnd > at) {
      const text = source.slice(at, textEnd);
      const top = stack.at(-1);
      if (top !== undefined) top.text += decodeEntities(text);
      else if (text.trim() !== '') fail('text outside the root element');
    }
    if (open < 0) break;
    at = open;
    if (source.startsWith('<!--', at)) at = skipPast(source, at, '-->', fail);
    else if (source.startsWith('<?', at)) at = skipPast(source, at, '?>', fail);
    else if (source.startsWith('<![CDATA[', at)) {
      const end = source.indexOf(']]>', at);
      if (end < 0) fail('unterminated CDATA section');
      const top = stack.at(-1);
      if (top === undefined) fail('CDATA outside the root element');
      (top as XmlElement).text += source.slice(at + 9, end);
      at = end + 3;
    } else if (source.startsWith('<!', at)) at = skipPast(source, at, '>', fail);
    else if (source.startsWith('</', at)) {
      const end = source.indexOf('>', at);
      if (end < 0) fail('unterminated end tag');
      const name = localName(source.slice(at + 2, end).trim());
      const top = stack.pop();
      if (top === undefined || top.name !== name) fail(`</${name}> does not close ${top === undefined ? 'anything' : `<${top.name}>`}`);
      at = end + 1;
    } else {
      const end = tagEnd(source, at);
      if (end < 0) fail('unterminated start tag');
      const selfClosing = source[end - 1] === '/';
      const body = source.slice(at + 1, selfClosing ? end - 1 : end);
      const element = startTag(body, fail);
      const parent = stack.at(-1);
      if (parent !== undefined) parent.children.push(element);
      else if (root === undefined) root = element;
      else fail('a second root element');
      if (!selfClosing) stack.push(element);
      at = end + 1;
    }
  }
  if (stack.length > 0) fail(`<${(stack.at(-1) as XmlElement).name}> is not closed`);
  return root ?? fail('no element');
}

/** The first child element called `name`. */
export function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}

function skipPast(source: string, at: number, terminator: string, fail: (why: string) => never): number {
  const end = source.indexOf(terminator, at);
  return end < 0 ? fail(`no "${terminator}"`) : end + terminator.length;
}

/** The index of the `>` that ends the tag starting at `at`, skipping quoted attribute values. */
function tagEnd(source: string, at: number): number {
  let quote: string | undefined;
  for (let i = at + 1; i < source.length; i++) {
    const c = source[i];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i;
  }
  return -1;
}

function startTag(body: string, fail: (why: string) => never): XmlElement {
  const name = /^[^\s/>]+/.exec(body)?.[0] ?? fail('a tag without a name');
  const attributes: Record<string, string> = {};
  const rest = body.slice(name.length);
  const pattern = /([^\s=]+)\s*=\s*("([^"]*)"|'([^']*)')/g;
  for (let m = pattern.exec(rest); m !== null; m = pattern.exec(rest)) {
    attributes[localName(m[1] as string)] = decodeEntities(m[3] ?? m[4] ?? '');
  }
  return {name: localName(name), attributes, children: [], text: ''};
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return codePoint(Number.parseInt(ref.slice(2), 16), whole);
    if (ref.startsWith('#')) return codePoint(Number.parseInt(ref.slice(1), 10), whole);
    return PREDEFINED[ref] ?? whole;
  });
}

function codePoint(code: number, fallback: string): string {
  return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : fallback;
}
