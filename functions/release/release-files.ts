/**
 * Which objects in the bucket are release files, and which bytes make readable release text.
 * Shared by the ingest handler, the reindex, the local stack's event bridge, the CDK bucket
 * notifications and the publishers' checker (`npm run check`), so none of them can disagree.
 */
export const RELEASE_FILE_SUFFIXES = ['.md', '.markdown', '.txt'] as const;

/** Files larger than this are problems (docs/release-files.md). */
export const MAX_RELEASE_FILE_BYTES = 5 * 1024 * 1024;

export function isReleaseFileKey(key: string): boolean {
  const lower = key.toLowerCase();
  return RELEASE_FILE_SUFFIXES.some((suffix) => lower.endsWith(suffix));
}

/**
 * S3 notification filters match suffixes case-sensitively, so the bucket notifies for the
 * common case spellings and the ingest handler re-checks with {@link isReleaseFileKey}.
 */
export const NOTIFICATION_SUFFIXES: readonly string[] = RELEASE_FILE_SUFFIXES.flatMap((suffix) => [
  suffix,
  suffix.toUpperCase(),
]);

/** A problem with the file as a whole, before its text is parsed. */
export interface FileProblem {
  readonly field: 'file';
  readonly message: string;
}

/**
 * The problem of a file of `bytes` bytes if it is too large. Callers that know the size before
 * reading (S3's Content-Length, a file's stat) ask first and never load an oversized file.
 */
export function oversizeProblem(bytes: number): FileProblem | undefined {
  if (bytes <= MAX_RELEASE_FILE_BYTES) return undefined;
  return {
    field: 'file',
    message: `is ${bytes} bytes; the limit is ${MAX_RELEASE_FILE_BYTES} bytes (5 MiB)`,
  };
}

export type DecodedReleaseFile = { ok: true; text: string } | { ok: false; problem: FileProblem };

/** A release file's bytes as text: at most 5 MiB of UTF-8 (a leading BOM is dropped). */
export function decodeReleaseFile(bytes: Uint8Array): DecodedReleaseFile {
  const tooLarge = oversizeProblem(bytes.byteLength);
  if (tooLarge) return { ok: false, problem: tooLarge };
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { ok: false, problem: { field: 'file', message: 'is not valid UTF-8 text' } };
  }
}
