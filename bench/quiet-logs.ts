/**
 * Imported first by run.ts, before any function module creates its logger: the handlers run in
 * this process thousands of times, and one JSON line per ingested file would bury the progress
 * bar. Warnings and errors still show. The cold-start children run with the deployed INFO level.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
