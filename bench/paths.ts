/**
 * The benchmark's own directories, found from this file rather than the working directory, so that
 * `npm run bench` and `npx tsx bench/run.ts` from anywhere write to the same places.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** bench/: the default `--out`, and where git is asked about the code measured. */
export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
/** bench/.work/: the bundles and the cold starts' scratch files (not committed). */
export const WORK_DIR = join(BENCH_DIR, '.work');
