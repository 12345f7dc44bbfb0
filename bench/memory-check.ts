/**
 * Apart from the options because it asks this machine, not the command line: DynamoDB Local keeps
 * its table in memory unless given a directory, and the table grows with the releases loaded.
 */
import { totalmem } from 'node:os';
import type { Options } from './options.js';

/** Table bytes per release, index included (measured: 402 MB at 5,000 releases, 4 GB at 50,000). */
const TABLE_BYTES_PER_RELEASE = 85 * 1024;

/**
 * Refuses sizes whose in-memory table would not fit this machine's memory (with room for the
 * benchmark's own heap), before hours of loading end in an out-of-memory kill.
 */
export function checkMemory(opts: Options): void {
  if (opts.dbDir !== undefined) return;
  const largest = opts.sizes[opts.sizes.length - 1] ?? 0;
  const needed = largest * TABLE_BYTES_PER_RELEASE;
  if (needed > totalmem() * 0.6) {
    const gib = (bytes: number) => (bytes / 1024 ** 3).toFixed(1);
    throw new Error(
      `--sizes: ${largest.toLocaleString('en-US')} releases need a table of about ${gib(needed)} GiB, ` +
        `more than this machine's ${gib(totalmem())} GiB of memory can hold in DynamoDB Local's in-memory ` +
        'database; give --db-dir DIR to keep it on disk (several times slower), or choose smaller --sizes',
    );
  }
}
