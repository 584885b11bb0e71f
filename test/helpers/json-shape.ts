/**
 * The shape of a JSON value: its keys, nesting and value types, without the values. Two outputs with the
 * same shape differ only in data; a key added, removed, renamed or given another type changes the shape.
 *
 * - scalars: "string", "number", "boolean", "null" (null is a type: null and a missing key differ);
 * - an object: its keys, sorted, each with the shape of its value;
 * - an array: `[]` when empty, else `[<the union of its elements' shapes>]`;
 * - a union: objects merge key by key, a key absent from some of them is written `"key?"`; arrays merge
 *   their elements; different kinds are listed, scalars first, as `{"anyOf": [...]}`, or as one string
 *   `"null|string"` when all are scalars.
 * - `maps`: paths of objects whose keys are data (counts by event type...): written `{"<key>": <the union
 *   of the values>}`, so the data's keys do not become the contract. A path is the keys from the root
 *   joined by dots, `[]` for an array's elements: `queue.unknownTypes`, `jobs[].counts`.
 */
export type Shape = string | Shape[] | {[key: string]: Shape};

const SCALARS = new Set(['string', 'number', 'boolean', 'null']);
const MAP_KEY = '<key>';

/** The shape of `value` (see above). */
export function shapeOf(value: unknown, maps: readonly string[] = [], path = ''): Shape {
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    const elements = value.map((v) => shapeOf(v, maps, `${path}[]`));
    return elements.length === 0 ? [] : [union(elements)];
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (maps.includes(path)) {
      const values = entries.map(([key, v]) => shapeOf(v, maps, `${path}.${key}`));
      return values.length === 0 ? {} : {[MAP_KEY]: union(values)};
    }
    return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, v]) => [key, shapeOf(v, maps, path === '' ? key : `${path}.${key}`)]));
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return typeof value;
  throw new Error(`not a JSON value at ${path || '(root)'}: ${typeof value}`);
}

/** One shape for values of all these shapes. */
export function union(shapes: readonly Shape[]): Shape {
  const scalars = new Set<string>();
  const objects: Array<{[key: string]: Shape}> = [];
  const arrays: Shape[][] = [];
  for (const shape of shapes.flatMap(alternatives)) {
    if (typeof shape === 'string') scalars.add(shape);
    else if (Array.isArray(shape)) arrays.push(shape);
    else objects.push(shape);
  }
  const kinds: Shape[] = [...[...scalars].sort()];
  if (objects.length > 0) kinds.push(mergeObjects(objects));
  if (arrays.length > 0) {
    const elements = arrays.flat();
    kinds.push(elements.length === 0 ? [] : [union(elements)]);
  }
  if (kinds.length === 1) return kinds[0] as Shape;
  if (kinds.every((k) => typeof k === 'string')) return kinds.join('|');
  return {anyOf: kinds};
}

/** The alternatives a shape stands for: a union's members, or the shape itself. */
function alternatives(shape: Shape): Shape[] {
  if (typeof shape === 'string') return shape.split('|').every((s) => SCALARS.has(s)) ? shape.split('|') : [shape];
  if (!Array.isArray(shape) && Object.keys(shape).length === 1 && Array.isArray(shape.anyOf)) return shape.anyOf.flatMap(alternatives);
  return [shape];
}

function mergeObjects(objects: ReadonlyArray<{[key: string]: Shape}>): {[key: string]: Shape} {
  const byKey = new Map<string, {shapes: Shape[]; optional: boolean}>();
  for (const object of objects) {
    for (const [written, shape] of Object.entries(object)) {
      const optional = written.endsWith('?') && written !== MAP_KEY;
      const key = optional ? written.slice(0, -1) : written;
      const entry = byKey.get(key) ?? {shapes: [], optional: false};
      entry.shapes.push(shape);
      entry.optional ||= optional;
      byKey.set(key, entry);
    }
  }
  const merged: Array<[string, Shape]> = [];
  for (const [key, {shapes, optional}] of byKey) {
    const missingSomewhere = optional || shapes.length < objects.length;
    merged.push([missingSomewhere ? `${key}?` : key, union(shapes)]);
  }
  return Object.fromEntries(merged.sort(([a], [b]) => (a < b ? -1 : 1)));
}
