/**
 * `npm run cost`: the monthly cost of a stage for one or more workloads, from bench/results.json and
 * bench/cost/prices.ts (docs/cost.md). Lists take commas: `--releases 50000,500000` and
 * `--requests-per-month 1000000,100000000` (the defaults) give four workloads.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Results } from '../report/results.js';
import { figuresAt, measuredFigures } from './measured.js';
import { monthlyCost } from './model.js';
import { openSearchOptions } from './opensearch.js';
import { REGIONS, type Region } from './prices.js';
import { type LabelledCost, renderLines, renderPrices, renderSummary } from './render.js';
import { stageFacts } from './stage-facts.js';
import { DEFAULT_ASSUMPTIONS, DEFAULT_MIX, type Workload } from './workload.js';

const { values } = parseArgs({
  options: {
    releases: { type: 'string', default: '50000,500000' },
    'uploads-per-day': { type: 'string', default: '100' },
    'bulk-load': { type: 'string', default: '50000' },
    'requests-per-month': { type: 'string', default: '1000000,100000000' },
    'reconcile-read-units': { type: 'string' },
    region: { type: 'string', default: 'ap-southeast-2' },
    stage: { type: 'string', default: 'prod' },
    results: { type: 'string', default: 'bench/results.json' },
    prices: { type: 'boolean', default: false },
    lines: { type: 'boolean', default: false },
  },
});

function numbers(name: string, value: string): number[] {
  return value.split(',').map((part) => {
    const parsed = Number(part.trim().replace(/_/g, ''));
    if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`--${name}: "${part}" is not a number >= 0`);
    return parsed;
  });
}

function single(name: string, value: string): number {
  const [first, ...rest] = numbers(name, value);
  if (first === undefined || rest.length > 0) throw new Error(`--${name} takes one number`);
  return first;
}

function main(): void {
  const region = values.region as Region;
  if (!REGIONS.includes(region)) throw new Error(`--region must be one of ${REGIONS.join(', ')}`);
  if (values.prices) {
    console.log(renderPrices());
    return;
  }
  const results = JSON.parse(readFileSync(values.results, 'utf8')) as Results;
  const measured = measuredFigures(results, values.results);
  const stage = stageFacts(values.stage);
  const reconcile = values['reconcile-read-units'];
  const costs: LabelledCost[] = [];
  for (const releases of numbers('releases', values.releases)) {
    for (const requestsPerMonth of numbers('requests-per-month', values['requests-per-month'])) {
      const workload: Workload = {
        releases,
        uploadsPerDay: single('uploads-per-day', values['uploads-per-day']),
        bulkLoadFiles: single('bulk-load', values['bulk-load']),
        requestsPerMonth,
        mix: DEFAULT_MIX,
        ...(reconcile === undefined
          ? {}
          : { reconcileReadUnitsPerMonth: single('reconcile-read-units', reconcile) }),
      };
      const figures = figuresAt(measured, releases);
      const result = monthlyCost({
        figures,
        initMs: measured.initMs,
        workload,
        assumptions: DEFAULT_ASSUMPTIONS,
        stage,
        region,
      });
      const label = `${releases.toLocaleString('en-US')} releases, ${requestsPerMonth.toLocaleString('en-US')} requests`;
      const openSearch = openSearchOptions(releases, DEFAULT_ASSUMPTIONS.openSearchBytesPerRelease, region);
      costs.push({ label, result, openSearch });
    }
  }
  const measuredSizes = measured.sizes.map((s) => s.size.toLocaleString('en-US')).join(' and ');
  const queriedOnly = (measured.queriedOnly ?? []).map((s) => s.size.toLocaleString('en-US'));
  const queried =
    queriedOnly.length > 0 ? ` (query costs also at ${queriedOnly.join(' and ')}, materialized)` : '';
  console.log(
    `Stage ${stage.stage}, ${region}; ${values['uploads-per-day']} uploads a day and a bulk load of ${values['bulk-load']} files in the month; figures measured at ${measuredSizes} releases${queried} (${values.results}), carried to other sizes in log size.\n`,
  );
  console.log(renderSummary(costs));
  if (values.lines || costs.length === 1) for (const cost of costs) console.log(`\n${renderLines(cost)}`);
  const warnings = [...new Set(costs.flatMap((c) => c.result.warnings))];
  if (warnings.length > 0 && !values.lines && costs.length > 1)
    console.log(`\n${warnings.map((w) => `- ${w}`).join('\n')}`);
  for (const note of measured.notes ?? []) console.log(`\nNote: ${note}.`);
}

main();
