/** Cosine similarity of two vectors (0 when either is all zeros). */
export function cosine(left: ArrayLike<number>, right: ArrayLike<number>): number {
  let dot = 0;
  let leftNorm = 0;
  let rightNorm = 0;
  for (let index = 0; index < left.length; index += 1) {
    dot += left[index]! * (right[index] ?? 0);
    leftNorm += left[index]! * left[index]!;
    rightNorm += (right[index] ?? 0) * (right[index] ?? 0);
  }
  return leftNorm === 0 || rightNorm === 0 ? 0 : dot / Math.sqrt(leftNorm * rightNorm);
}

/** The element-wise sum of vectors of one length. */
export function sum(vectors: readonly ArrayLike<number>[]): Float32Array {
  const total = new Float32Array(vectors[0]?.length ?? 0);
  for (const vector of vectors) for (let index = 0; index < total.length; index += 1) total[index]! += vector[index]!;
  return total;
}
