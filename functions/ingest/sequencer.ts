/**
 * S3 `sequencer` values order the events of one key. They are hex strings of varying length:
 * right-pad the shorter with zeros, then compare as strings (AWS's documented rule).
 */
export function compareSequencers(a: string, b: string): number {
  const width = Math.max(a.length, b.length);
  const left = a.toUpperCase().padEnd(width, '0');
  const right = b.toUpperCase().padEnd(width, '0');
  return left < right ? -1 : left > right ? 1 : 0;
}
