// "Did you mean": the known option name nearest a mistyped one, for the constructor's TypeError.

/**
 * The known name closest to `name`: one it starts, ends or is contained in (`ttl` -> `ttlSeconds`)
 * first, case aside; else the fewest single-character edits (`phonefield` -> `phoneField`).
 */
export function nearestName(name: string, known: readonly string[]): string {
  const typed = name.toLowerCase();
  const containing = known.filter((k) => typed.length >= 3 && k.toLowerCase().includes(typed));
  if (containing.length > 0) return containing.reduce((a, b) => (b.length < a.length ? b : a));
  let best = known[0] ?? '';
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(typed, candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/** Levenshtein distance, two rows at a time (option names are short; no library needed for this). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}
