/**
 * The releases of each size in the main table without measuring them: most of a size is loaded
 * by the raw path, so that only the ingest sample pays for the event path, and the list items of
 * earlier sizes follow each new stop list as a re-derivation would leave them.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Release } from '#release/release.js';
import type { StopList } from '#search/keys.js';
import type { CorpusFile } from '../scripts/corpus/generate.js';
import { type EntityTally, itemsForFiles, listItems, type ParsedFile, take } from './corpus-items.js';
import { batchPut } from './dynamo.js';
import type { BenchEnvironment } from './environment.js';
import type { Options } from './options.js';
import type { Progress } from './progress.js';

/** The bulk part of a size: raw BatchWriteItem into the main table, parsing the next batch meanwhile. */
export async function bulkLoad(
  env: BenchEnvironment,
  corpus: Iterator<CorpusFile | ParsedFile>,
  count: number,
  tally: EntityTally,
  opts: Options,
  progress: Progress,
  onFiles: (files: readonly ParsedFile[]) => void,
  stop: StopList,
): Promise<void> {
  progress.phase(`bulk load ${count.toLocaleString('en-US')} releases (raw path)`, count);
  const time = new Date().toISOString();
  const batch = 500;
  let inFlight: Promise<unknown> = Promise.resolve();
  for (let done = 0; done < count; done += batch) {
    const files = take(corpus, Math.min(batch, count - done));
    for (const file of files) tally.add(file.release);
    onFiles(files);
    const items = itemsForFiles(files, time, true, stop).filter((item) => !String(item.pk).startsWith('E#'));
    await inFlight;
    inFlight = batchPut(env.doc, env.tableName, items, opts.concurrency).then(() =>
      progress.tick(files.length),
    );
  }
  await inFlight;
  // Entity items as ingest would have left them after every release so far.
  await batchPut(env.doc, env.tableName, tally.items(), opts.concurrency);
  progress.done();
}

/**
 * The list items of the releases of earlier sizes again, with stop-word bits under a stop list
 * derived anew (as `reindex --reproject` writes them after `--derive-stop-list`).
 */
export async function rewriteListBits(
  env: BenchEnvironment,
  releases: readonly Release[],
  stop: StopList,
  opts: Options,
  progress: Progress,
): Promise<void> {
  progress.phase(
    `list item bits of ${releases.length.toLocaleString('en-US')} releases, new stop list`,
    releases.length,
  );
  for (let i = 0; i < releases.length; i += 500) {
    const step = releases.slice(i, i + 500);
    await batchPut(
      env.doc,
      env.tableName,
      step.flatMap((release) => listItems(release, stop)),
      opts.concurrency,
    );
    progress.tick(step.length);
  }
  progress.done();
}

/** Releases in the newest-first list, counted with a Query: the check that a size was loaded whole. */
export async function countListed(env: BenchEnvironment): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await env.doc.send(
      new QueryCommand({
        TableName: env.tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': 'pk' },
        ExpressionAttributeValues: { ':pk': 'L#ALL' },
        Select: 'COUNT',
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}
