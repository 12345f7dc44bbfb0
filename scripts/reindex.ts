/**
 * `npm run reindex`: reconcile the table with the bucket, with a progress bar and a summary.
 *
 *   npm run reindex                            the local stack (ports from RELEASES_*_PORT)
 *   npm run reindex -- --stage prod            a deployed stage (reads Releases-prod's outputs)
 *   npm run reindex -- --cloud --table T --bucket B   named AWS resources
 *   npm run reindex -- --table T --bucket B    other names on the local services
 *   npm run reindex -- --reproject             also rebuild the word index, change log and list bits
 *   npm run reindex -- --derive-stop-list      derive the word index's stop list from the releases, then reproject
 *   npm run reindex -- --sweep                 the scheduled reconcile's runs, one after another, until
 *                                              they have passed over the whole table and bucket (memory
 *                                              bounded by a run, for a large archive)
 *
 * Safe at any time, also while uploads go on (see functions/reconcile/reindex.ts).
 */
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Presets, SingleBar } from 'cli-progress';
import { dynamoReindexDeps, dynamoSweepDeps } from '#reconcile/aws/reindex-deps.js';
import { reindex } from '#reconcile/reindex.js';
import { sweep } from '#reconcile/sweep.js';
import { localDynamoDbClient } from './local/dynamodb-local.js';
import { localS3Client } from './local/s3-server.js';

const { values } = parseArgs({
  options: {
    stage: { type: 'string' },
    cloud: { type: 'boolean', default: false },
    table: { type: 'string' },
    bucket: { type: 'string' },
    concurrency: { type: 'string', default: '8' },
    reproject: { type: 'boolean', default: false },
    'derive-stop-list': { type: 'boolean', default: false },
    sweep: { type: 'boolean', default: false },
  },
});

async function stackOutputs(stage: string): Promise<{ table: string; bucket: string }> {
  const cfn = new CloudFormationClient({});
  const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: `Releases-${stage}` }));
  const outputs = new Map((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  const table = outputs.get('TableName');
  const bucket = outputs.get('BucketName');
  if (!table || !bucket) throw new Error(`stack Releases-${stage} has no TableName/BucketName outputs`);
  return { table, bucket };
}

async function main(): Promise<void> {
  let dynamo: DynamoDBClient;
  let s3: S3Client;
  let table: string;
  let bucket: string;
  if (values.stage || values.cloud) {
    if (!values.stage && !(values.table && values.bucket))
      throw new Error('--cloud needs --table and --bucket');
    const names = values.stage
      ? await stackOutputs(values.stage)
      : { table: values.table as string, bucket: values.bucket as string };
    ({ table, bucket } = names);
    dynamo = new DynamoDBClient({});
    s3 = new S3Client({});
  } else {
    dynamo = localDynamoDbClient(`http://127.0.0.1:${process.env.RELEASES_DYNAMODB_PORT ?? '8000'}`);
    s3 = localS3Client(`http://127.0.0.1:${process.env.RELEASES_S3_PORT ?? '4569'}`);
    table = values.table ?? 'releases';
    bucket = values.bucket ?? 'releases';
  }
  const doc = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  if (values.sweep) {
    if (values.reproject || values['derive-stop-list'])
      throw new Error('--sweep does not reproject: run --reproject or --derive-stop-list without it');
    const deps = dynamoSweepDeps({ doc, tableName: table, s3, bucket });
    console.log(`Sweeping table ${table} and bucket ${bucket}, run after run…`);
    // A pass that began where the scheduled runs had got to ends at the table's (bucket's) end;
    // then one more from the start covers what came before.
    const start = await deps.sweep.loadState();
    let tables = start?.table ? 2 : 1;
    let buckets = start?.bucket ? 2 : 1;
    for (let run = 1; tables > 0 || buckets > 0; run++) {
      const summary = await sweep(deps, { concurrency: Number(values.concurrency) });
      if (summary.sweep.tablePassDone) tables--;
      if (summary.sweep.bucketPassDone) buckets--;
      const { sweep: figures, ...fixes } = summary;
      console.log(`run ${run}: ${JSON.stringify({ ...figures, ...fixes })}`);
    }
    return;
  }
  const bar = new SingleBar(
    {
      format: 'reindex |{bar}| {value}/{total} fixes',
      hideCursor: true,
      stream: process.stdout,
      // Also when piped (CI logs): one line per interval instead of redraws.
      noTTYOutput: true,
      notTTYSchedule: 1000,
    },
    Presets.shades_classic,
  );
  let started = false;
  console.log(`Reindexing table ${table} from bucket ${bucket}…`);
  const summary = await reindex(dynamoReindexDeps({ doc, tableName: table, s3, bucket }), {
    concurrency: Number(values.concurrency),
    reproject: values.reproject,
    deriveStopList: values['derive-stop-list'],
    onProgress(done, total) {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
  });
  if (started) bar.stop();
  console.table(summary);
}

main().catch((error: unknown) => {
  console.error(`reindex failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
