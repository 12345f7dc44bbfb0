/** Markdown tables of the cost model: prices, one workload's lines, several workloads side by side. */
import { n, table } from '../report/markdown-format.js';
import { byService, type CostResult } from './model.js';
import type { OpenSearchOption } from './opensearch.js';
import { PRICES, PRICES_AS_OF, type PriceEntry, REGIONS } from './prices.js';

export const usd = (value: number): string =>
  value === 0
    ? '$0'
    : value < 0.01
      ? '<$0.01'
      : `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

const quantity = (value: number): string =>
  value >= 100 ? n(Math.round(value)) : value.toLocaleString('en-US', { maximumFractionDigits: 2 });

export function renderPrices(): string {
  const rows = Object.values(PRICES as Record<string, PriceEntry>).map((p) => [
    p.service,
    p.item + (p.note ? ` (${p.note})` : ''),
    p.unit,
    ...REGIONS.map((r) => `${p.usd[r]}`),
    p.unsure ? 'check first' : '',
  ]);
  return `Prices in USD as known at ${PRICES_AS_OF}; check them against AWS's pricing pages.\n\n${table(
    ['service', 'item', 'unit', ...REGIONS, ''],
    rows,
  )}`;
}

export interface LabelledCost {
  readonly label: string;
  readonly result: CostResult;
  readonly openSearch: readonly OpenSearchOption[];
}

export function renderLines(cost: LabelledCost): string {
  const rows = cost.result.lines.map((l) => [l.service, l.item, quantity(l.quantity), l.unit, usd(l.usd)]);
  rows.push(['**total**', '', '', '', `**${usd(cost.result.totalUsd)}**`]);
  const warnings = cost.result.warnings.map((w) => `- ${w}`).join('\n');
  return `### ${cost.label}\n\n${table(['service', 'item', 'quantity', 'unit', 'per month'], rows)}${warnings ? `\n\n${warnings}` : ''}`;
}

/** Per-service totals of several workloads in columns, then the word index and OpenSearch. */
export function renderSummary(costs: readonly LabelledCost[]): string {
  const services = [...new Set(costs.flatMap((c) => byService(c.result.lines).map((s) => s.service)))];
  const of = (c: LabelledCost, service: string) =>
    byService(c.result.lines).find((s) => s.service === service)?.usd ?? 0;
  const rows: string[][] = services.map((service) => [service, ...costs.map((c) => usd(of(c, service)))]);
  rows.push(['**total**', ...costs.map((c) => `**${usd(c.result.totalUsd)}**`)]);
  rows.push(['of which the word index', ...costs.map((c) => usd(c.result.wordIndexUsd))]);
  const options = costs[0]?.openSearch.map((o) => o.name) ?? [];
  for (const name of options) {
    rows.push([
      `OpenSearch instead: ${name}`,
      ...costs.map((c) => usd(c.openSearch.find((o) => o.name === name)?.usd ?? 0)),
    ]);
  }
  return table(['per month', ...costs.map((c) => c.label)], rows);
}
