import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localDynamoDbClient, startDynamoDbLocal } from '#local/dynamodb-local.js';
import { ensureTable } from '#local/provision.js';
import { parseRelease } from '#release/parse-release.js';
import { DynamoIndexer } from '#search/aws/dynamodb-indexer.js';
import { CapacityMeter } from '../bench/dynamo.js';
import { generateCorpus } from '../scripts/corpus/generate.js';

const N = Number(process.argv[2] ?? 2000);
const port = 8700 + Math.floor(Math.random() * 200);
const ddb = await startDynamoDbLocal({ port });
const releases = [...generateCorpus({ seed: 1, count: N, endDate: '2025-06-30' })].map((f) => {
  const p = parseRelease(f.text, f.key);
  if (!p.ok) throw new Error('bad');
  return p.release;
});
try {
  for (const batch of [1, 100, 1000, 2000]) {
    const dynamo = localDynamoDbClient(`http://127.0.0.1:${port}`);
    const meter = new CapacityMeter();
    meter.attach(dynamo);
    let requests = 0;
    dynamo.middlewareStack.add(
      (next) => async (args) => {
        requests++;
        return next(args);
      },
      { step: 'initialize', name: 'count' },
    );
    const doc = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
    const table = `units-${batch}`;
    await ensureTable(dynamo, table, { stream: false });
    const indexer = new DynamoIndexer(doc, table);
    // the default stop list, as a new deployment has
    await indexer.store.stopList();
    meter.writeUnits = 0;
    meter.readUnits = 0;
    requests = 0;
    const began = Date.now();
    for (let i = 0; i < N; i += batch) {
      const slice = releases
        .slice(i, i + batch)
        .map((release) => ({ id: release.id, release, at: '2025-01-01T00:00:00.000Z' }));
      const r = await indexer.index(slice);
      if (r.failed.length) throw new Error(String(r.failed[0]?.error));
    }
    const s = (Date.now() - began) / 1000;
    console.log(
      JSON.stringify({
        batch,
        releases: N,
        wcuPerRelease: +(meter.writeUnits / N).toFixed(1),
        rcuPerRelease: +(meter.readUnits / N).toFixed(1),
        requestsPerRelease: +(requests / N).toFixed(2),
        seconds: s,
        releasesPerSecond: +(N / s).toFixed(1),
      }),
    );
  }
} finally {
  await ddb.stop();
}
