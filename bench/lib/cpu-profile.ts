/**
 * A `node --cpu-prof` profile (.cpuprofile, V8's format) summarised by self time: by place (a package, a file
 * of dist/, node's internals) and by function. A native frame (a socket write, zstd, SHA-256) is charged to
 * its nearest JavaScript caller and named with it. `(idle)` is time spent waiting (for the IMAP server).
 */
import {readFileSync} from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: {functionName: string; url: string; lineNumber: number};
  children?: number[];
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  byPlace: Array<{place: string; ms: number}>;
  byFunction: Array<{fn: string; ms: number}>;
}

const SPECIAL = ['(garbage collector)', '(program)', '(idle)', '(root)'];

/** Where a script URL belongs: `imapflow`, `dist/lib/out/restore/imap-restore.js`, `node:internal/...`. */
export function placeOf(url: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg !== null) return pkg[1] as string;
  const dist = /\/(dist\/.*|bin\/.*)$/.exec(url);
  if (dist !== null) return dist[1] as string;
  return url.replace(/^file:\/\//, '');
}

export function summarizeProfile(file: string, top = {places: 15, functions: 25}): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]};
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<number, number>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + delta);
    totalUs += delta;
  });
  const caller = (id: number): ProfileNode | undefined => {
    for (let at = parent.get(id); at !== undefined; at = parent.get(at)) {
      const node = nodes.get(at) as ProfileNode;
      if (node.callFrame.url !== '') return node;
    }
    return undefined;
  };
  const name = (node: ProfileNode) => `${node.callFrame.functionName || '(anonymous)'} ${placeOf(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
  const byPlace = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, us] of self) {
    const node = nodes.get(id) as ProfileNode;
    const {functionName, url} = node.callFrame;
    let place: string;
    let fn: string;
    if (url !== '') {
      place = placeOf(url);
      fn = name(node);
    } else if (SPECIAL.includes(functionName)) {
      place = functionName;
      fn = functionName;
    } else {
      const from = caller(id);
      place = from === undefined ? 'native, no caller' : placeOf(from.callFrame.url);
      fn = `${functionName || '(native)'} [native] <- ${from === undefined ? '?' : name(from)}`;
    }
    byPlace.set(place, (byPlace.get(place) ?? 0) + us);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  }
  const ms = (us: number) => Math.round(us / 100) / 10;
  const sorted = (map: Map<string, number>, count: number) => [...map].sort((x, y) => y[1] - x[1]).slice(0, count);
  return {
    file,
    totalMs: ms(totalUs),
    byPlace: sorted(byPlace, top.places).map(([place, us]) => ({place, ms: ms(us)})),
    byFunction: sorted(byFunction, top.functions).map(([fn, us]) => ({fn, ms: ms(us)})),
  };
}
