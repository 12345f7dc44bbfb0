/**
 * Which objects in the bucket are release files. Shared by the ingest handler, the reindex, the
 * local stack's event bridge and the CDK bucket notifications, so the four cannot disagree.
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
