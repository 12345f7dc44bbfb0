/**
 * Posting fragments: how the word index's postings are stored. A term's entries of one bucket
 * (a span of years) are spread over immutable items, each written once, whole, by one writer:
 * the bulk loader writes one per term and bucket, the indexer one per term and bucket of each
 * batch it indexes. Nothing is ever added to an existing item, so a write costs the entries it
 * carries, never the size the posting has grown to, and concurrent indexers never touch the same
 * item. A reader gathers every fragment of a bucket (one `Query` by key prefix, billed by the
 * bytes it reads, as one item of the same entries would be).
 *
 * Entries are never removed from a fragment: an entry of a release's earlier text (its version
 * differs from the release's search entry) or of a deleted release is skipped by every reader, so
 * it costs bytes, never a result. Nothing compacts a term's fragments yet: a release edited many
 * times leaves an entry per version behind, which readers of that term read and skip.
 */
import { createHash } from 'node:crypto';
import { postingPartition } from './keys.js';

/** Bytes of entries one fragment holds at most: well under an item's 400 KB, and a page's read. */
export const FRAGMENT_MAX_BYTES = 32 * 1024;

/** The attribute holding a fragment's entries, newline-separated, newest first. */
export const FRAGMENT_ENTRIES = 'e';

export interface PostingAdd {
  /** The term: a word, or a pair `a b`. */
  word: string;
  /** The posting bucket (the first year of its span). */
  bucket: string;
  entry: string;
}

export type FragmentItem = { pk: string; sk: string; [FRAGMENT_ENTRIES]: string };

/** The sort-key prefix of every fragment of a bucket. */
export function bucketPrefix(bucket: string): string {
  return `${bucket}#`;
}

/** The bucket a fragment's sort key names. */
export function bucketOfFragment(sk: string): string {
  const hash = sk.indexOf('#');
  return hash < 0 ? sk : sk.slice(0, hash);
}

/** A fragment's entries (an item written before fragments, a string set `ids`, reads the same). */
export function fragmentEntries(item: Record<string, unknown>): string[] {
  const packed = item[FRAGMENT_ENTRIES];
  if (typeof packed === 'string') return packed === '' ? [] : packed.split('\n');
  const ids = item.ids;
  return ids instanceof Set ? [...ids].map(String) : [];
}

/**
 * The fragments holding `adds`: per term and bucket, entries sorted newest first (entries sort as
 * dates), cut every FRAGMENT_MAX_BYTES. A fragment's key ends with a digest of its content, so
 * writing the same entries again (a retried batch) puts the same item again.
 */
export function postingFragments(adds: Iterable<PostingAdd>, maxBytes = FRAGMENT_MAX_BYTES): FragmentItem[] {
  const byPosting = new Map<string, { word: string; bucket: string; entries: Set<string> }>();
  for (const add of adds) {
    const id = `${add.word}\u0000${add.bucket}`;
    let posting = byPosting.get(id);
    if (!posting) {
      posting = { word: add.word, bucket: add.bucket, entries: new Set() };
      byPosting.set(id, posting);
    }
    posting.entries.add(add.entry);
  }
  const out: FragmentItem[] = [];
  for (const { word, bucket, entries } of byPosting.values()) {
    const sorted = [...entries].sort().reverse();
    let part: string[] = [];
    let bytes = 0;
    const flush = () => {
      if (part.length === 0) return;
      out.push(fragmentItem(word, bucket, part));
      part = [];
      bytes = 0;
    };
    for (const entry of sorted) {
      const size = Buffer.byteLength(entry, 'utf8') + 1;
      if (bytes + size > maxBytes) flush();
      part.push(entry);
      bytes += size;
    }
    flush();
  }
  return out;
}

function fragmentItem(word: string, bucket: string, entries: readonly string[]): FragmentItem {
  const packed = entries.join('\n');
  const digest = createHash('sha256')
    .update(`${word}\n${bucket}\n${packed}`)
    .digest('base64url')
    .slice(0, 10);
  return { pk: postingPartition(word), sk: `${bucketPrefix(bucket)}${digest}`, [FRAGMENT_ENTRIES]: packed };
}
