/**
 * What a function wrote while a test ran: Powertools Metrics' embedded-metric-format blobs and
 * the logger's JSON lines, captured from stdout and stderr.
 */
import { vi } from 'vitest';

export interface Emf {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  [key: string]: unknown;
}

/**
 * Runs `act` and returns what it wrote: EMF blobs (stdout), JSON log lines (stdout, and stderr
 * for errors), and anything else (a Powertools warning, say) as plain text.
 */
export async function outputOf(
  act: () => Promise<unknown>,
): Promise<{ emf: Emf[]; logs: Record<string, unknown>[]; other: string[] }> {
  const lines: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(capture),
    vi.spyOn(process.stderr, 'write').mockImplementation(capture),
  ];
  try {
    await act();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  const emf: Emf[] = [];
  const logs: Record<string, unknown>[] = [];
  const other: string[] = [];
  for (const line of lines) {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      other.push(line);
      continue;
    }
    if ('_aws' in entry) emf.push(entry as Emf);
    else logs.push(entry);
  }
  return { emf, logs, other };
}
