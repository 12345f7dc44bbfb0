/**
 * What the cheapest OpenSearch set-ups would cost per month to serve the same `q`, to compare with
 * the word index's share of the DynamoDB bill. OpenSearch would replace the word index only: lists,
 * `/releases/{id}`, `/changes` and the counts stay in the table, and something must still feed it
 * (a function like the indexer), so its own cost adds to the rest of the bill.
 */
import { HOURS_PER_MONTH, type PriceKey, type Region, unitPrice } from './prices.js';

export interface OpenSearchOption {
  readonly name: string;
  readonly usd: number;
  readonly note: string;
}

const GB = 1024 ** 3;
/** OpenSearch Service's smallest EBS volume, GB. */
const MIN_EBS_GB = 10;

export function openSearchOptions(
  releases: number,
  bytesPerRelease: number,
  region: Region,
): OpenSearchOption[] {
  const dataGb = (releases * bytesPerRelease) / GB;
  const ebsGb = Math.max(MIN_EBS_GB, Math.ceil(dataGb * 1.25));
  const hourly = (key: PriceKey) => unitPrice(key, region) * HOURS_PER_MONTH;
  const ebs = ebsGb * unitPrice('openSearchGp3', region);
  const serverlessStorage = dataGb * unitPrice('openSearchServerlessStorage', region);
  return [
    {
      name: 't3.small.search, 1 node',
      usd: hourly('openSearchT3Small') + ebs,
      note: `${ebsGb} GB gp3; 2 GiB memory, one AZ, no replica: not for production, and too small for an index of ${dataGb.toFixed(1)} GB to stay in memory`,
    },
    {
      name: 't3.medium.search, 1 node',
      usd: hourly('openSearchT3Medium') + ebs,
      note: `${ebsGb} GB gp3; 4 GiB memory, one AZ, no replica`,
    },
    {
      name: 'Serverless, 1 OCU (no standby replicas)',
      usd: hourly('openSearchOcu') + serverlessStorage,
      note: '0.5 OCU indexing + 0.5 OCU search, the minimum of a collection without redundancy (dev/test)',
    },
    {
      name: 'Serverless, 2 OCUs (redundant)',
      usd: 2 * hourly('openSearchOcu') + serverlessStorage,
      note: 'the minimum with standby replicas in a second AZ',
    },
  ];
}
