/**
 * The notes on method printed under the tables, filled with this run's settings, so that a reader
 * of RESULTS.md knows how each figure was made without opening docs/benchmark.md.
 */
import type { Results } from './results.js';

export function reportNotes(results: Results): string[] {
  const c = results.scanCalibration;
  return [
    `Corpus: \`${results.corpus.generator}\`, seed ${results.corpus.seed}, dates 1990-01-01 to ${results.corpus.endDate}; each size extends the previous one.`,
    `Ingest: at each size the last ${results.settings.ingestSample.toLocaleString('en-US')} files (or all, if fewer) go through the S3-event path: uploaded to s3rver, turned into real S3 event records by the local stack, delivered to the real ingest handler one event per invocation, ${results.settings.concurrency} invocations at a time (Lambda retries: 2). The rest of the size is bulk-loaded by the raw path. The projector follows the table's stream (on for this phase only) until it has settled: list items, entity figures and the change log, not the word index (one write per distinct word would measure DynamoDB Local's stream, about 100 writes a second; the index is measured on its bulk load). The raw baseline writes the same files' release, list, source-key and entity items with BatchWriteItem (25 per request, ${results.settings.concurrency} requests at a time) to a scratch table that also has a stream, in chunks of ${results.settings.ingestChunk} files interleaved with the event path.`,
    'Ingest runs in this process together with s3rver (which the local stack runs in process); in Lambda, S3 is remote and each invocation has its own CPU. Function logs are at WARN here (one JSON line per file would bury the progress bar).',
    `Query cost: every read of a page, as DynamoDB Local reports it (\`ReturnConsumedCapacity: TOTAL\` through the handler's \`onConsumedCapacity\`), over ${results.settings.costPagesPerVariant} pages (following \`nextCursor\`) of 5 parameter sets per kind (the busiest ministers, portfolios and pairs; five 5-year windows; five title phrases). Minimum: the returned list items' size rounded up to 4 KB, halved (eventually consistent), at least 0.5 per request. Pages read one item more than they return, to know whether there is a next page.`,
    `Naive Scan: a full Scan with a filter reads the whole table whatever the filter, so its cost per page is the table's size (DescribeTable) rounded up to 4 KB per 1 MB page, halved. DynamoDB Local rereads the rest of the table for every Scan page (time grows with the square of the table), so the full Scan is run for real on a ${c.releases}-release table of the same items: ${c.measuredUnits} RCU measured vs ${c.computedUnits} computed (${c.agreement}x).`,
    `Latency: first pages, ${results.settings.latencyRequests} requests per kind (${results.settings.textLatencyRequests} for \`q\`) each in process (the API handler called with a payload 2.0 event) and over HTTP (the local stack's API Gateway stand-in on loopback, keep-alive), alternating, after a warm-up.`,
    ...(results.settings.overheadRequests
      ? [
          `Handler CPU: ${results.settings.overheadRequests} first-page requests per kind, one at a time, each measured with \`process.cpuUsage\` (user + system) in the handler's process: the API handler, and a minimal handler replaying the DynamoDB calls the API handler made for that request (recorded from its client) and returning their items as JSON, alternating, after a warm-up; medians. DynamoDB Local's CPU is its own process's.`,
        ]
      : []),
  ];
}
