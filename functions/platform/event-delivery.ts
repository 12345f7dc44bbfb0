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
 * whole batch: during a bulk load, one recount serves many releases.
 */
export const PROJECTOR_BATCH_SIZE = 1000;
/** How long the projector's event source gathers records after the first before it invokes. */
export const PROJECTOR_BATCHING_WINDOW_SECONDS = 1;
/** Retries of a failing stream batch (from its earliest failed record) before its DLQ. */
export const PROJECTOR_RETRY_ATTEMPTS = 10;
