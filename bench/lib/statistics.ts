/** Returns the median of the samples, or NaN when there are none. */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((left, right) => left - right);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Returns the sum of the samples. */
export function sum(samples: readonly number[]): number {
  return samples.reduce((total, value) => total + value, 0);
}

/**
 * Runs `rounds` rounds of every contender, rotating which one goes first, so that drift from
 * other work on the machine (or a warming cache) falls on all of them equally. Each contender
 * returns the duration it measured, in milliseconds; the samples come back in round order.
 */
export async function interleave<Name extends string>(
  rounds: number,
  contenders: Record<Name, () => Promise<number>>,
): Promise<Record<Name, number[]>> {
  const names = Object.keys(contenders) as Name[];
  const samples = Object.fromEntries(names.map((name) => [name, []])) as unknown as Record<
    Name,
    number[]
  >;
  for (let round = 0; round < rounds; round += 1) {
    for (let position = 0; position < names.length; position += 1) {
      const name = names[(round + position) % names.length]!;
      samples[name].push(await contenders[name]());
    }
  }
  return samples;
}

/** Formats milliseconds with a precision that suits their size. */
export function formatMs(milliseconds: number): string {
  if (milliseconds >= 100) return `${milliseconds.toFixed(0)} ms`;
  if (milliseconds >= 10) return `${milliseconds.toFixed(1)} ms`;
  return `${milliseconds.toFixed(2)} ms`;
}

/** Formats a byte count in KiB or MiB (1024-based). */
export function formatBytes(bytes: number): string {
  if (Math.abs(bytes) >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
  return `${(bytes / 1024).toFixed(1)} KiB`;
}
