/**
 * Pair filters: for one release, the set of its adjacent word pairs (in the folded title, and in
 * the folded body; none spans the two), each hashed to PAIR_HASH_BITS bits and stored sorted and
 * Rice-coded in its search entry (about 1.5 bytes per pair). A phrase one of whose adjacent pairs
 * is not in the filter cannot occur in the release: that decides most candidates of a phrase
 * without reading their text. A pair that is in the filter may be a hash collision (about one in
 * PAIR_HASH_SPACE / pairs), so a phrase that passes is still verified on the text.
 *
 * Layout: byte 0 the format (1), byte 1 the hash bits, byte 2 the Rice parameter k, then the
 * number of pairs as a varint, then for each sorted hash its gap from the previous one: the gap's
 * high part (gap >> k) in unary (ones closed by a zero), then its low k bits.
 */

const FORMAT = 1;
const PAIR_HASH_BITS = 20;
const PAIR_HASH_SPACE = 2 ** PAIR_HASH_BITS;

/** FNV-1a over the UTF-16 code units of `a b`: 32 bits. */
export function pairFnv(first: string, second: string): number {
  let hash = 0x811c9dc5;
  const text = `${first} ${second}`;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The pair's FNV-1a hash cut to PAIR_HASH_BITS. */
export function pairHash(first: string, second: string): number {
  return pairFnv(first, second) >>> (32 - PAIR_HASH_BITS);
}

/** The filter of the adjacent pairs of each word sequence (the folded title's, the folded body's). */
export function pairFilterOf(sequences: ReadonlyArray<readonly string[]>): Uint8Array {
  const hashes = new Set<number>();
  for (const words of sequences) {
    for (let i = 0; i + 1 < words.length; i += 1) {
      hashes.add(pairHash(words[i] as string, words[i + 1] as string));
    }
  }
  return encode([...hashes].sort((a, b) => a - b));
}

/** Whether the pair may occur (true) or certainly does not (false); undefined for a filter it cannot read. */
export function pairFilterHas(filter: Uint8Array, first: string, second: string): boolean | undefined {
  if (filter[0] !== FORMAT || filter[1] !== PAIR_HASH_BITS) return undefined;
  const target = pairHash(first, second);
  try {
    for (const value of decode(filter)) {
      if (value === target) return true;
      if (value > target) return false;
    }
    return false;
  } catch {
    return undefined;
  }
}

/**
 * What a filter says of a phrase: `absent` when one of its adjacent pairs is not in it, `maybe`
 * otherwise (or when the filter cannot be read).
 */
export function phraseInFilter(filter: Uint8Array, phrase: readonly string[]): 'absent' | 'maybe' {
  for (let i = 0; i + 1 < phrase.length; i += 1) {
    if (pairFilterHas(filter, phrase[i] as string, phrase[i + 1] as string) === false) return 'absent';
  }
  return 'maybe';
}

function riceParameter(count: number): number {
  if (count === 0) return 0;
  const meanGap = PAIR_HASH_SPACE / count;
  return Math.max(0, Math.floor(Math.log2(meanGap)));
}

class BitWriter {
  private readonly bytes: number[] = [];
  private current = 0;
  private used = 0;

  bit(value: number): void {
    if (value) this.current |= 1 << (7 - this.used);
    this.used += 1;
    if (this.used === 8) this.flush();
  }

  bits(value: number, count: number): void {
    for (let i = count - 1; i >= 0; i -= 1) this.bit((value >>> i) & 1);
  }

  private flush(): void {
    this.bytes.push(this.current);
    this.current = 0;
    this.used = 0;
  }

  done(): number[] {
    if (this.used > 0) this.flush();
    return this.bytes;
  }
}

function varint(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return out;
}

function encode(sorted: readonly number[]): Uint8Array {
  const k = riceParameter(sorted.length);
  const writer = new BitWriter();
  let previous = 0;
  for (const value of sorted) {
    const gap = value - previous;
    previous = value;
    for (let q = gap >>> k; q > 0; q -= 1) writer.bit(1);
    writer.bit(0);
    writer.bits(gap & ((1 << k) - 1), k);
  }
  return Uint8Array.from([FORMAT, PAIR_HASH_BITS, k, ...varint(sorted.length), ...writer.done()]);
}

/** The sorted hashes of a filter, lazily. */
export function* decode(filter: Uint8Array): Generator<number> {
  const k = filter[2] ?? 0;
  let offset = 3;
  let count = 0;
  let scale = 1;
  for (;;) {
    const byte = filter[offset] ?? 0;
    offset += 1;
    count += (byte & 0x7f) * scale;
    scale *= 0x80;
    if (byte < 0x80 || offset >= filter.length) break;
  }
  let bit = offset * 8;
  const read = (): number => {
    const byte = filter[bit >> 3];
    if (byte === undefined) throw new RangeError('pair filter ends early');
    const value = (byte >> (7 - (bit & 7))) & 1;
    bit += 1;
    return value;
  };
  let value = 0;
  for (let n = 0; n < count; n += 1) {
    let high = 0;
    while (read() === 1) high += 1;
    let low = 0;
    for (let i = 0; i < k; i += 1) low = (low << 1) | read();
    value += high * 2 ** k + low;
    yield value;
  }
}
