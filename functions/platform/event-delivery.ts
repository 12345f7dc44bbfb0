/**
 * How events reach the functions, declared once: the CDK event sources and the local stack's
 * stand-ins for them (scripts/local) read these, so both deliver alike.
 */

/** S3 notifications per ingest invocation (SQS event source batch size). */
export const INGEST_BATCH_SIZE = 10;
/** Deliveries of one S3 notification before it moves to the ingest dead-letter queue. */
export const INGEST_MAX_RECEIVES = 5;

/**
 * Stream records per projector invocation. Large, because entity recounts are shared by the
 * whole batch: during a bulk load, one recount serves many releases. Lambda also cuts a batch at
 * its 6 MB payload (records carry both images of a release item).
 */
export const PROJECTOR_BATCH_SIZE = 1000;
/** How long the projector's event source gathers records after the first before it invokes. */
export const PROJECTOR_BATCHING_WINDOW_SECONDS = 1;
/**
 * Retries of a failing stream batch (from its earliest failed record) before its description
 * goes to the on-failure destination. Few: the projector retries only what may pass (throttling),
 * skips what cannot, and every change left behind keeps its pending marker for the reconcile.
 */
export const PROJECTOR_RETRY_ATTEMPTS = 3;
/** Records older than this are not projected but sent to the on-failure destination (the reconcile repairs them). */
export const PROJECTOR_MAX_RECORD_AGE_SECONDS = 6 * 3600;
/**
 * Batches per shard at once. Lambda keeps the order of records with the same partition key (a
 * release's `R#<id>`), which is all the projector needs.
 */
export const PROJECTOR_PARALLELIZATION_FACTOR = 4;
/** Lambda's invocation payload limit, which also bounds a stream batch. */
export const LAMBDA_PAYLOAD_BYTES = 6 * 1024 * 1024;

/**
 * Index requests per indexer invocation (SQS allows 10,000 with a batching window): a bulk load's
 * releases are indexed thousands at a time, sharing their posting fragments.
 */
export const INDEXER_BATCH_SIZE = 10_000;
/** How long the indexer's queue gathers requests before it invokes (SQS allows up to 300 s). */
export const INDEXER_BATCHING_WINDOW_SECONDS = 20;
/** Indexer invocations at once (the SQS event source's maximum concurrency; at least 2). */
export const INDEXER_MAX_CONCURRENCY = 2;
/** Deliveries of one index request before it moves to the indexer's dead-letter queue. */
export const INDEXER_MAX_RECEIVES = 5;
