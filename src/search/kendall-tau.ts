/**
 * Kendall's rank correlation τ-b between paired scores `xs[i]`, `ys[i]`: +1 when both order the items alike, −1 when
 * one reverses the other, 0 when unrelated. τ-b rather than τ-a because accuracies on a few thousand validation
 * images tie; a pair tied in either score counts as neither concordant nor discordant, and the denominator leaves it
 * out. Null where it is undefined: fewer than two items, or every pair tied in one of the scores.
 */
export function kendallTau(xs: readonly number[], ys: readonly number[]): number | null {
  if (xs.length !== ys.length) throw new Error(`kendallTau: ${xs.length} scores against ${ys.length}`);
  let concordant = 0;
  let discordant = 0;
  let tiedX = 0;
  let tiedY = 0;
  for (let i = 0; i < xs.length; i++) {
    for (let j = i + 1; j < xs.length; j++) {
      const dx = Math.sign(xs[i]! - xs[j]!);
      const dy = Math.sign(ys[i]! - ys[j]!);
      if (dx === 0 && dy === 0) continue;
      if (dx === 0) tiedX++;
      else if (dy === 0) tiedY++;
      else if (dx === dy) concordant++;
      else discordant++;
    }
  }
  const denominator = Math.sqrt((concordant + discordant + tiedX) * (concordant + discordant + tiedY));
  return denominator === 0 ? null : (concordant - discordant) / denominator;
}
