/**
 * The one deterministic PRNG of the project (mulberry32): fabricated extracts (generator.ts), the Lambda pool's
 * fault injection and the tokenizer bench. Tiny and fast; never Math.random where output must be reproducible.
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed | 0;
  }

  uint32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Uniform integer in [low, high]. */
  between(low: number, high: number): number {
    return low + this.below(high - low + 1);
  }

  chance(probability: number): boolean {
    return this.float() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }
}

/** A function of no argument giving floats in [0, 1) (the Lambda pool's and the bench's form). */
export function mulberry32(seed: number): () => number {
  const rng = new Prng(seed);
  return () => rng.float();
}
