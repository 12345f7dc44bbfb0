/**
 * `npx tsx scripts/unicode/write-case-fold-table.ts`: rewrites functions/search/case-fold-table.ts
 * from the running Node.js's Unicode data (see case-folding.ts beside this file).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { caseFoldTableSource, deriveCaseFoldTable } from './case-folding.js';

const path = fileURLToPath(new URL('../../functions/search/case-fold-table.ts', import.meta.url));
const table = deriveCaseFoldTable();
writeFileSync(path, caseFoldTableSource(table));
console.log(`${path}: ${table.size} characters (Unicode ${process.versions.unicode})`);
