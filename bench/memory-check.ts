/**
 * Apart from the options because it asks this machine, not the command line: where DynamoDB
 * Local keeps its database (the table grows with the releases loaded), and whether it fits.
 */
import { existsSync, mkdtempSync, statfsSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import type { Options } from './options.js';

/** Table bytes per release, index included (measured: 402 MB at 5,000 releases, 4 GB at 50,000). */
export const TABLE_BYTES_PER_RELEASE = 85 * 1024;
/**
 * Table bytes per release of a materialized run (`--large`): list items and entity figures of
 * every release, and the release items of the few a measured walk reaches (an estimate, generous).
 */
const MATERIALIZED_BYTES_PER_RELEASE = 8 * 1024;

/** A file system in memory, where a database file costs little more than DynamoDB Local's in-memory mode. */
const MEMORY_FILE_SYSTEM = '/dev/shm';

const gib = (bytes: number) => (bytes / 1024 ** 3).toFixed(1);

function tableBytes(opts: Options): number {
  if (opts.large !== undefined) return opts.large * MATERIALIZED_BYTES_PER_RELEASE;
  return (opts.sizes[opts.sizes.length - 1] ?? 0) * TABLE_BYTES_PER_RELEASE;
}

/**
 * Refuses sizes whose in-memory table would not fit this machine's memory (with room for the
 * benchmark's own heap), before hours of loading end in an out-of-memory kill.
 */
export function checkMemory(opts: Options): void {
  if (opts.dbDir !== undefined) return;
  const needed = tableBytes(opts);
  if (needed > totalmem() * 0.6) {
    const largest = opts.large ?? opts.sizes[opts.sizes.length - 1] ?? 0;
    throw new Error(
      `--sizes: ${largest.toLocaleString('en-US')} releases need a table of about ${gib(needed)} GiB, ` +
        `more than this machine's ${gib(totalmem())} GiB of memory can hold in DynamoDB Local's in-memory ` +
        'database; give --db-dir DIR to keep it on disk (several times slower), or choose smaller --sizes',
    );
  }
}

export interface DatabasePlace {
  /** The directory of the database file; undefined: in memory. */
  dir: string | undefined;
  /** A scratch directory made for this run, deleted at its end. */
  temporary: boolean;
}

/**
 * `--db-dir` when given; else a scratch directory on the memory file system when it has room for
 * the table (a file, so that stream records can be purged: stream-records.ts); else in memory.
 */
export function databasePlace(opts: Options): DatabasePlace {
  if (opts.dbDir !== undefined) return { dir: opts.dbDir, temporary: false };
  if (!existsSync(MEMORY_FILE_SYSTEM)) return { dir: undefined, temporary: false };
  const fs = statfsSync(MEMORY_FILE_SYSTEM);
  if (fs.bavail * fs.bsize < tableBytes(opts) * 1.5) return { dir: undefined, temporary: false };
  return { dir: mkdtempSync(join(MEMORY_FILE_SYSTEM, 'releases-bench-db-')), temporary: true };
}
