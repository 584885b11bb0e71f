/**
 * The name a user most likely meant, for "did you mean ...?" hints: the one candidate the typed text is a
 * prefix of, else the nearest by edit distance (a swap of two neighbours counts as one edit: `stauts` is
 * one from `status`) when it is close enough to be a typo: at most a third of the typed length, at least 1.
 * Ties go to the first candidate in code-point order, so the hint does not change from run to run.
 */
export function closestName(typed: string, candidates: readonly string[]): string | undefined {
  const sorted = [...new Set(candidates)].sort();
  const prefixed = sorted.filter((c) => c.startsWith(typed));
  if (typed !== '' && prefixed.length === 1) return prefixed[0];
  const limit = Math.max(1, Math.floor(typed.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of sorted) {
    const distance = editDistance(typed, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

/** Damerau-Levenshtein distance, optimal string alignment variant: insert, delete, replace, swap neighbours. */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({length: a.length + 1}, (_, i) => Array.from({length: b.length + 1}, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = rows[i]!;
      const above = rows[i - 1]!;
      row[j] = Math.min(above[j]! + 1, row[j - 1]! + 1, above[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, rows[i - 2]![j - 2]! + 1);
    }
  }
  return rows[a.length]![b.length]!;
}
