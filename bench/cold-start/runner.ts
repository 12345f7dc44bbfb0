/**
 * The cold-start probe, run as `node runner.mjs <bundle> <event.json>` in a fresh process: loads
 * one function bundle, answers one event, prints its timings on a line of its own and exits.
 * `performance.now()` counts from the start of the process, so `bootMs` is Node's own start-up.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const bootMs = performance.now();
const [bundle, eventFile] = process.argv.slice(2);
if (!bundle || !eventFile) throw new Error('usage: node runner.mjs <bundle> <event.json>');
const event: unknown = JSON.parse(readFileSync(eventFile, 'utf8'));

const loadStart = performance.now();
const loaded = (await import(pathToFileURL(bundle).href)) as {
  handler: (event: unknown) => Promise<unknown>;
};
const initEnd = performance.now();
let ok = true;
let detail = '';
try {
  const result = await loaded.handler(event);
  const status = (result as { statusCode?: number } | undefined)?.statusCode;
  if (status !== undefined && status !== 200) {
    ok = false;
    detail = `status ${status}: ${String((result as { body?: string }).body).slice(0, 300)}`;
  }
} catch (error) {
  ok = false;
  detail = error instanceof Error ? error.message : String(error);
}
const answered = performance.now();
process.stdout.write(
  `\nBENCH_COLD_START ${JSON.stringify({
    bootMs,
    initMs: initEnd - loadStart,
    invokeMs: answered - initEnd,
    processMs: answered,
    ok,
    detail,
  })}\n`,
);
process.exit(0);
