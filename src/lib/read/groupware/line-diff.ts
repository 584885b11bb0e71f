/**
 * A line diff: the longest common subsequence of two lists of lines (dynamic programming after the common
 * head and tail are taken off), as kept, removed and added lines. Within a change, removed lines come
 * before added ones. Objects are small; for inputs whose changed middle exceeds {@link MAX_DIFF_CELLS}, the
 * middle is shown as all removed, then all added, rather than spending quadratic memory.
 */

/** One line of a diff: ` ` kept, `-` only in the first list, `+` only in the second. */
export interface DiffLine {
  op: ' ' | '-' | '+';
  text: string;
}

/** Above this many cells (lines x lines) the changed middle is not aligned line by line. */
export const MAX_DIFF_CELLS = 16_000_000;

/** The diff that turns `a` into `b`, every line of both included once. */
export function diffLines(a: readonly string[], b: readonly string[]): DiffLine[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const kept = (lines: readonly string[]) => lines.map((text): DiffLine => ({op: ' ', text}));
  return [...kept(a.slice(0, head)), ...middle(a.slice(head, a.length - tail), b.slice(head, b.length - tail)), ...kept(a.slice(a.length - tail))];
}

function middle(a: readonly string[], b: readonly string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  if (n * m > MAX_DIFF_CELLS || n === 0 || m === 0) {
    return [...a.map((text): DiffLine => ({op: '-', text})), ...b.map((text): DiffLine => ({op: '+', text}))];
  }
  // lcs[i * (m + 1) + j]: the LCS length of a[i..] and b[j..].
  const width = m + 1;
  const lcs = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * width + j] = a[i] === b[j] ? (lcs[(i + 1) * width + j + 1] as number) + 1 : Math.max(lcs[(i + 1) * width + j] as number, lcs[i * width + j + 1] as number);
    }
  }
  const out: DiffLine[] = [];
  let added: DiffLine[] = [];
  let i = 0;
  let j = 0;
  const flush = () => {
    out.push(...added);
    added = [];
  };
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      flush();
      out.push({op: ' ', text: a[i] as string});
      i++;
      j++;
    } else if (j < m && (i === n || (lcs[i * width + j + 1] as number) >= (lcs[(i + 1) * width + j] as number))) {
      added.push({op: '+', text: b[j] as string});
      j++;
    } else {
      out.push({op: '-', text: a[i] as string});
      i++;
    }
  }
  flush();
  return out;
}

/** Only the changed lines and up to `context` kept lines around each change; `null` marks lines left out. */
export function withContext(diff: readonly DiffLine[], context: number): Array<DiffLine | null> {
  const near = new Set<number>();
  diff.forEach((line, index) => {
    if (line.op === ' ') return;
    for (let k = Math.max(0, index - context); k <= Math.min(diff.length - 1, index + context); k++) near.add(k);
  });
  const out: Array<DiffLine | null> = [];
  diff.forEach((line, index) => {
    if (near.has(index)) out.push(line);
    else if (out.at(-1) !== null) out.push(null);
  });
  return out;
}
