/**
 * The generator's draws over the project's one PRNG (lambdas/domain/mulberry32.ts): floats, integers in a range,
 * chances and picks, all from one seeded stream.
 */
import { mulberry32Uint } from '../lambdas/domain/mulberry32';

export class Prng {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32Uint(seed);
  }

  uint32(): number {
    return this.next();
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next() / 4294967296;
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
