/**
 * A process that stops as `npm start` does (scripts/local/lifecycle.ts), for the lifecycle test:
 * it says `ready`, then `stop <reason>` on the request to stop, and exits 0 after `STOP_MS`; a
 * second request to stop says `again` and exits 130 at once.
 */
import { untilStopRequested } from '#local/lifecycle.js';

const reason = untilStopRequested({
  onSecondSignal(signal) {
    process.stdout.write(`again ${signal}\n`);
    process.exit(130);
  },
});
// What the local stack's servers do: keep the process up until it is asked to stop.
const alive = setInterval(() => {}, 60_000);
process.stdout.write('ready\n');
const stopped = await reason;
process.stdout.write(`stop ${stopped}\n`);
await new Promise((resolve) => setTimeout(resolve, Number(process.env.STOP_MS ?? 2000)));
process.stdout.write('stopped\n');
clearInterval(alive);
