/**
 * The generated OpenAPI document passes the ecosystem's two linters with no error and no warning:
 * Spectral with its `spectral:oas` ruleset (.spectral.yaml) and Redocly with `recommended`
 * (redocly.yaml). Both CLIs run from node_modules, offline: their rulesets are bundled, Redocly's
 * telemetry and update check are switched off, and nothing is fetched.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '#query/query-openapi.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const SPECTRAL = join(ROOT, 'node_modules/@stoplight/spectral-cli/dist/index.js');
const REDOCLY = join(ROOT, 'node_modules/@redocly/cli/bin/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'releases-openapi-lint-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const OFFLINE_ENV = {
  ...process.env,
  REDOCLY_TELEMETRY: 'off',
  REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
  SCARF_ANALYTICS: 'false',
  DO_NOT_TRACK: '1',
  NO_COLOR: '1',
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { cwd: dir, env: OFFLINE_ENV, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

interface Findings {
  errors: number;
  warnings: number;
  /** Everything the CLI said, for the failure message. */
  report: string;
}

/** Spectral severities: 0 error, 1 warning, 2 info, 3 hint. */
async function spectral(file: string): Promise<Findings> {
  const out = `${file}.spectral.json`;
  const result = await run([
    SPECTRAL,
    'lint',
    file,
    '--ruleset',
    join(ROOT, '.spectral.yaml'),
    '--format',
    'json',
    '--output',
    out,
    '--fail-severity',
    'warn',
  ]);
  const report = `exit ${result.code}\n${result.stdout}\n${result.stderr}`;
  let findings: { severity: number; code: string; message: string; path: string[] }[];
  try {
    findings = JSON.parse(readFileSync(out, 'utf8'));
  } catch {
    throw new Error(`Spectral wrote no report:\n${report}`);
  }
  return {
    errors: findings.filter((f) => f.severity === 0).length,
    warnings: findings.filter((f) => f.severity === 1).length,
    report: `${report}\n${JSON.stringify(findings, null, 2)}`,
  };
}

async function redocly(file: string): Promise<Findings> {
  const result = await run([
    REDOCLY,
    'lint',
    file,
    '--config',
    join(ROOT, 'redocly.yaml'),
    '--format',
    'json',
  ]);
  const report = `exit ${result.code}\n${result.stdout}\n${result.stderr}`;
  const start = result.stdout.indexOf('{');
  let parsed: { totals: { errors: number; warnings: number } };
  try {
    parsed = JSON.parse(result.stdout.slice(start));
  } catch {
    throw new Error(`Redocly printed no JSON report:\n${report}`);
  }
  return { errors: parsed.totals.errors, warnings: parsed.totals.warnings, report };
}

function write(name: string, document: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(document, null, 2));
  return file;
}

describe('OpenAPI document lint', () => {
  it.each([
    ['as served, with the origin of the request', { serverUrl: 'https://api.example.test' }],
    ['without a known origin', {}],
  ])(
    'passes Spectral (spectral:oas) and Redocly (recommended) %s',
    async (_label, options) => {
      const file = write(`openapi-${Object.keys(options).length}.json`, buildOpenApiDocument(options));
      const [s, r] = await Promise.all([spectral(file), redocly(file)]);
      expect({ errors: s.errors, warnings: s.warnings }, `Spectral:\n${s.report}`).toEqual({
        errors: 0,
        warnings: 0,
      });
      expect({ errors: r.errors, warnings: r.warnings }, `Redocly:\n${r.report}`).toEqual({
        errors: 0,
        warnings: 0,
      });
    },
    240_000,
  );

  it('reports what is wrong in a flawed document, so a pass means something', async () => {
    const flawed = buildOpenApiDocument({ serverUrl: 'https://api.example.test' }) as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    const operation = flawed.paths['/releases']?.get;
    if (!operation) throw new Error('no GET /releases in the document');
    // No tags, no security, no description: each linter has a rule for at least one of these.
    delete operation.tags;
    delete operation.security;
    delete operation.description;
    const file = write('openapi-flawed.json', flawed);
    const [s, r] = await Promise.all([spectral(file), redocly(file)]);
    expect(s.errors + s.warnings, s.report).toBeGreaterThan(0);
    expect(r.errors + r.warnings, r.report).toBeGreaterThan(0);
  }, 240_000);
});
