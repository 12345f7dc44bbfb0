/**
 * `npm run check -- <files or folders>`: a publisher's check of release files before uploading
 * them, with the very rules ingestion applies (size, UTF-8, front matter, fields, id).
 *
 *   npm run check -- releases/             every .md/.markdown/.txt below, any case
 *   npm run check -- a.md b.md --verbose   also `path: ok -> <id>` for each good file
 *
 * Prints one `path:line: field: reason` line per bad file (no `line` where it is not known) and
 * a warning where two files yield one id (in one bucket the later upload replaces the other).
 * Exits 1 when any file has a problem, 2 on a usage error, else 0; prints nothing when all is
 * well and --verbose is not given.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { parseRelease, type ReleaseProblem } from '#release/parse-release.js';
import { decodeReleaseFile, isReleaseFileKey, oversizeProblem } from '#release/release-files.js';

const USAGE = 'usage: npm run check -- [--verbose] <file or folder>...';

/** A file to check: where it is, and the object key it would have when its folder is synced. */
interface Candidate {
  path: string;
  key: string;
}

type Outcome = { ok: true; id: string } | { ok: false; problem: ReleaseProblem };

class UsageError extends Error {}

/** Release files below `root`, in name order, following links but never the same folder twice. */
async function* walk(root: string, dir: string, seen: Set<string>): AsyncGenerator<Candidate> {
  const real = await realpath(dir);
  if (seen.has(real)) return;
  seen.add(real);
  const names = (await readdir(dir)).sort();
  for (const name of names) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (info?.isDirectory()) yield* walk(root, path, seen);
    else if (info?.isFile() && isReleaseFileKey(name)) {
      yield { path, key: relative(root, path).split('\\').join('/') };
    }
  }
}

async function* candidates(args: readonly string[], warn: (line: string) => void): AsyncGenerator<Candidate> {
  const seen = new Set<string>();
  for (const arg of args) {
    const info = await stat(arg).catch(() => undefined);
    if (!info) throw new UsageError(`${arg}: no such file or folder`);
    if (info.isDirectory()) {
      yield* walk(arg, arg, seen);
    } else {
      // Named explicitly, so checked; but say that a bucket would not treat it as a release.
      if (!isReleaseFileKey(arg)) {
        warn(`${arg}: warning: ingestion ignores this name; release files end in .md, .markdown or .txt`);
      }
      yield { path: arg, key: arg.split(/[\\/]/).at(-1) ?? arg };
    }
  }
}

async function check(candidate: Candidate): Promise<Outcome> {
  const tooLarge = oversizeProblem((await stat(candidate.path)).size);
  if (tooLarge) return { ok: false, problem: tooLarge };
  const decoded = decodeReleaseFile(await readFile(candidate.path));
  if (!decoded.ok) return { ok: false, problem: decoded.problem };
  const parsed = parseRelease(decoded.text, candidate.key);
  return parsed.ok ? { ok: true, id: parsed.release.id } : parsed;
}

function problemLine(path: string, problem: ReleaseProblem): string {
  const where = problem.line === undefined ? path : `${path}:${problem.line}`;
  return `${where}: ${problem.field}: ${problem.message}`;
}

async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      verbose: { type: 'boolean', short: 'v', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError(USAGE);

  const print = (line: string) => process.stdout.write(`${line}\n`);
  const idOwners = new Map<string, string>();
  // A file named twice (itself and through its folder) is one file, not two with one id.
  const checked = new Set<string>();
  let problems = 0;
  for await (const candidate of candidates(positionals, print)) {
    const real = await realpath(candidate.path);
    if (checked.has(real)) continue;
    checked.add(real);
    const outcome = await check(candidate);
    if (!outcome.ok) {
      problems += 1;
      print(problemLine(candidate.path, outcome.problem));
      continue;
    }
    const owner = idOwners.get(outcome.id);
    if (owner === undefined) idOwners.set(outcome.id, candidate.path);
    else {
      print(
        `${candidate.path}: warning: id "${outcome.id}" is also the id of ${owner}; ` +
          'in one bucket the later upload replaces the other',
      );
    }
    if (values.verbose) print(`${candidate.path}: ok -> ${outcome.id}`);
  }
  return problems > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const usage =
      error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = usage ? 2 : 1;
  },
);
