/**
 * DynamoDB Local keeps the records of every stream in one SQLite table, ordered by sequence
 * number, and on every request to a table with a stream it looks for the first record of each of
 * the stream's shards by reading that table from its oldest record. So every request to such a
 * table costs time in proportion to the records of older streams ahead of its own, even of
 * disabled streams and deleted tables (they stay for 24 hours). Checked on DynamoDB Local 3.3.0:
 * with 100,000 records of another stream ahead, a GetItem took 32 ms instead of 2.4 ms and a
 * PutItem 60 ms instead of 3. Real DynamoDB has no such cost.
 *
 * A benchmark run makes many streams one after another (each size's phases turn the table's
 * stream on and off, and their scratch tables have streams too), so without care each phase
 * would be slower than the last for this reason alone, and the event path, which makes many more
 * requests per release than a raw batch write, would pay most. So the bench keeps DynamoDB
 * Local's database in a file and, at the points where no stream is being read and none will be
 * read again from before that point, deletes every stream record (DynamoDB Local reads the file
 * afresh on each request; checked: the GetItem above went back to 2.6 ms without a restart).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** DynamoDB Local's database file with `-sharedDb`. */
export function sharedDatabaseFile(dir: string): string {
  return join(dir, 'shared-local-instance.db');
}

const PURGE = `
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=120)
deleted = db.execute('DELETE FROM us').rowcount
db.commit()
print(deleted)
`;

/**
 * Deletes every stream record in DynamoDB Local's database file, and returns how many there were.
 * Throws when the file or Python's sqlite3 module is missing.
 */
export function purgeStreamRecords(dbFile: string): number {
  if (!existsSync(dbFile)) throw new Error(`no DynamoDB Local database at ${dbFile}`);
  const out = execFileSync('python3', ['-c', PURGE, dbFile], { encoding: 'utf8', timeout: 300_000 });
  return Number.parseInt(out.trim(), 10);
}
