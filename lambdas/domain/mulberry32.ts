/**
 * mulberry32: a tiny, fast, seeded PRNG. Used wherever output must be reproducible from a seed (fabricated test
 * data, fault injection, benchmark inputs), never Math.random.
 */

/** A generator of uniform 32-bit unsigned integers from `seed`. */
export function mulberry32Uint(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** A generator of uniform numbers in [0, 1) from `seed`. */
export function mulberry32(seed: number): () => number {
  const next = mulberry32Uint(seed);
  return () => next() / 4294967296;
}
