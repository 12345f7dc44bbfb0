/**
 * The check behind the naive Scan's cost: DynamoDB Local rereads the rest of the table for every
 * Scan page, so the large tables' Scan is computed from their size, and this measures a real one
 * on a small table to show that the computation agrees.
 */
import { generateCorpus } from '../scripts/corpus/generate.js';
import { itemsForFiles, take } from './corpus-items.js';
import { batchPut, createTable, dropTable, measuredScan, scanUnitsFor, tableSize } from './dynamo.js';
import type { BenchEnvironment } from './environment.js';
import type { Options } from './options.js';
import type { Progress } from './progress.js';
import type { ScanCalibration } from './report/results.js';
import { round } from './stats.js';

const CALIBRATION_TABLE = 'scan-calibration';

/**
 * A real full Scan with a filter on a small table of the same items, against the Scan cost
 * computed from that table's size: the check behind the computed Scan of the large tables.
 */
export async function calibrateScan(
  env: BenchEnvironment,
  opts: Options,
  progress: Progress,
): Promise<ScanCalibration> {
  progress.phase('naive Scan calibration', 1);
  await dropTable(env.dynamo, CALIBRATION_TABLE);
  await createTable(env.dynamo, CALIBRATION_TABLE);
  try {
    const files = take(
      generateCorpus({ seed: opts.seed + 1, count: opts.calibrationReleases, endDate: opts.endDate }),
      opts.calibrationReleases,
    );
    await batchPut(
      env.doc,
      CALIBRATION_TABLE,
      itemsForFiles(files, new Date().toISOString(), true),
      opts.concurrency,
    );
    const size = await tableSize(env.dynamo, CALIBRATION_TABLE);
    const scan = await measuredScan(env.doc, CALIBRATION_TABLE);
    if (scan.matched !== files.length)
      throw new Error(`calibration Scan found ${scan.matched} of ${files.length} releases`);
    const computed = scanUnitsFor(size.bytes);
    progress.tick();
    return {
      releases: files.length,
      tableBytes: size.bytes,
      measuredUnits: scan.units,
      computedUnits: round(computed, 1),
      pages: scan.pages,
      agreement: round(scan.units / computed, 4),
    };
  } finally {
    progress.done();
    await dropTable(env.dynamo, CALIBRATION_TABLE);
  }
}
