/**
 * A groupware object as property lines, one per property, for people to read and for diffs:
 * `summary: Budget meeting`, `dtstart;tzid=Europe/Berlin: 2026-03-02T10:00:00`, `valarm.trigger: -PT15M`.
 *
 * - xCal (RFC 6321, events, tasks, journals): the object's component (the first VEVENT, VTODO or VJOURNAL)
 *   gives unprefixed lines; the calendar's own properties are prefixed `vcalendar.`, nested components
 *   (alarms) and the others (time zones, recurrence exceptions) with their name, an exception with its
 *   RECURRENCE-ID: `vevent[2026-03-09T10:00:00].summary: ...`.
 * - xCard (RFC 6351, contacts): the vCard's properties, prefixed with their group if any.
 * - anything else (Kolab's own XML: notes, configurations, Kolab 2 objects): every element holding text,
 *   by its path below the root: `summary: ...`, `attendee.display-name: ...`.
 *
 * Property parameters follow the name (`;name=value`); several values are joined with `, `, structured
 * values (RECUR, N, ADR) written `part=value;part=value`. Line breaks in values are written `\n`.
 */
import {child, type XmlElement} from './xml.js';

/** Components an xCal object is: the first of these is the object itself. */
const OBJECT_COMPONENTS = new Set(['vevent', 'vtodo', 'vjournal', 'vfreebusy']);

/** The object's lines, in document order. */
export function objectLines(root: XmlElement): string[] {
  if (root.name === 'icalendar') return calendarLines(root);
  if (root.name === 'vcards' || root.name === 'vcard') return (root.name === 'vcard' ? [root] : root.children.filter((c) => c.name === 'vcard')).flatMap((card, i) => cardLines(card, i === 0 ? '' : `vcard[${i + 1}].`));
  return leafLines(root, '');
}

/** The object's title: its summary (events, tasks, notes), full name (contacts) or name, if it has one. */
export function objectTitle(lines: readonly string[]): string | null {
  for (const key of ['summary', 'fn', 'name', 'display-name']) {
    const line = lines.find((l) => l.startsWith(`${key}: `) || l.startsWith(`${key};`));
    if (line !== undefined) return line.slice(line.indexOf(': ') + 2);
  }
  return null;
}

function calendarLines(root: XmlElement): string[] {
  const lines: string[] = [];
  for (const calendar of root.children.filter((c) => c.name === 'vcalendar')) {
    lines.push(...propertyLines(calendar, 'vcalendar.'));
    const components = child(calendar, 'components')?.children ?? [];
    const object = components.find((c) => OBJECT_COMPONENTS.has(c.name));
    for (const component of components) {
      if (component === object) lines.push(...componentLines(component, ''));
      else {
        const recurrenceId = child(child(component, 'properties') ?? component, 'recurrence-id');
        const label = recurrenceId === undefined ? component.name : `${component.name}[${valuesOf(recurrenceId)}]`;
        lines.push(...componentLines(component, `${label}.`));
      }
    }
  }
  return lines;
}

function componentLines(component: XmlElement, prefix: string): string[] {
  const nested = child(component, 'components')?.children ?? [];
  return [...propertyLines(component, prefix), ...nested.flatMap((c) => componentLines(c, `${prefix}${c.name}.`))];
}

/** The lines of an xCal component's `<properties>`. */
function propertyLines(component: XmlElement, prefix: string): string[] {
  return (child(component, 'properties')?.children ?? []).map((p) => propertyLine(p, prefix));
}

function cardLines(card: XmlElement, prefix: string): string[] {
  return card.children.flatMap((p) => (p.name === 'group' ? p.children.map((g) => propertyLine(g, `${prefix}${p.attributes.name ?? 'group'}.`)) : [propertyLine(p, prefix)]));
}

/** `name;param=value: value` for one xCal / xCard property. */
function propertyLine(property: XmlElement, prefix: string): string {
  const parameters = (child(property, 'parameters')?.children ?? []).map((p) => `;${p.name}=${valuesOf(p)}`).join('');
  return `${prefix}${property.name}${parameters}: ${valuesOf(property)}`;
}

/** The value types of xCal and xCard (RFC 6321 3.6, RFC 6351 3.4): elements that hold a value. */
const VALUE_TYPES = new Set(['text', 'uri', 'date', 'time', 'date-time', 'date-and-or-time', 'timestamp', 'boolean', 'integer', 'float', 'utc-offset', 'language-tag', 'binary', 'cal-address', 'duration', 'unknown', 'recur', 'period']);

/**
 * A property's (or parameter's) values: its value elements (a structured one, RECUR or PERIOD, as its
 * parts), its parts when it is structured itself (xCard's N, ADR), or its own text.
 */
function valuesOf(property: XmlElement): string {
  const values = property.children.filter((c) => c.name !== 'parameters');
  if (values.length === 0) return clean(property.text);
  if (!values.every((v) => VALUE_TYPES.has(v.name))) return parts(values);
  return values.map((v) => (v.children.length === 0 ? clean(v.text) : parts(v.children))).join(', ');
}

function parts(elements: readonly XmlElement[]): string {
  return elements.map((part) => `${part.name}=${valuesOf(part)}`).join(';');
}

/** Every element that holds text (or nothing), by its path below the root. */
function leafLines(element: XmlElement, prefix: string): string[] {
  return element.children.flatMap((c) => {
    const attributes = Object.entries(c.attributes)
      .filter(([name]) => name !== 'xmlns')
      .map(([name, value]) => `[${name}=${value}]`)
      .join('');
    const path = `${prefix}${c.name}${attributes}`;
    return c.children.length === 0 ? [`${path}: ${clean(c.text)}`] : leafLines(c, `${path}.`);
  });
}

function clean(text: string): string {
  return text.trim().replace(/\r?\n/g, '\\n');
}
