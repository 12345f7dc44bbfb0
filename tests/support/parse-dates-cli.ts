/** Prints the parsed dates of a few date forms; run under different TZ values by the parser tests. */
import { parseRelease } from '#release/parse-release.js';

const forms = [
  '2024-07-02',
  "'2024-07-02'",
  '2024-07-02T00:30:00+12:00',
  '2024-07-02T23:30:00-10:00',
  '2024-12-31 23:59:59 +13:00',
];
const dates = forms.map((form) => {
  const result = parseRelease(`---\ntitle: t\ndate: ${form}\n---\n`, 'k.md');
  return result.ok ? result.release.date : `problem: ${result.problem.message}`;
});
process.stdout.write(JSON.stringify(dates));
