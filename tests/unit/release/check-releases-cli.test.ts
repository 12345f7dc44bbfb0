import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Runs `npm run check` as a publisher would, without npm's own banner. */
function runCheck(...args: string[]) {
  const child = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/check-releases.ts', ...args], {
    encoding: 'utf8',
  });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

const release = (frontMatter: string, body = 'Body.') => `---\n${frontMatter}\n---\n${body}\n`;

describe('npm run check', () => {
  it('prints nothing and exits 0 for the seed folder', () => {
    const result = runCheck('seeds');
    expect(result).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  it('with --verbose names the id of each good file', () => {
    const result = runCheck('--verbose', 'seeds');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      'seeds/000_bfcbecb155f087da.txt: ok -> prime-minister-heads-united-states-nato\n',
    );
  });

  it('exits 2 with the usage when given nothing to check', () => {
    const result = runCheck();
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/usage: npm run check/);
  });

  describe('a folder with one file of each kind of problem', () => {
    let dir: string;
    const aliasBomb = [
      'l0: &l0 [lol,lol,lol,lol,lol,lol,lol,lol,lol]',
      ...Array.from({ length: 9 }, (_, i) => `l${i + 1}: &l${i + 1} [${Array(9).fill(`*l${i}`).join(',')}]`),
      'title: T',
      'date: 2024-01-01',
    ].join('\n');

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'releases-check-'));
      mkdirSync(join(dir, 'nested', 'deeper'), { recursive: true });
      writeFileSync(join(dir, 'good.md'), release('title: Good\ndate: 2024-01-01'));
      writeFileSync(join(dir, 'missing-title.md'), release('date: 2024-01-01\nurl: https://x.nz/a'));
      writeFileSync(
        join(dir, 'nested', 'bad-date.TXT'),
        release('title: T\nurl: https://x.nz/b\ndate: 2024-13-01'),
      );
      writeFileSync(join(dir, 'nested', 'deeper', 'js.markdown'), '---js\n{ title: "x" }\n---\nbody\n');
      writeFileSync(join(dir, 'bad-url.md'), release('title: T\ndate: 2024-01-01\n\nurl: not a url'));
      writeFileSync(
        join(dir, 'too-large.md'),
        release('title: T\ndate: 2024-01-01', 'x'.repeat(5 * 1024 * 1024)),
      );
      writeFileSync(
        join(dir, 'latin1.md'),
        Buffer.concat([Buffer.from(release('title: Caf')), Buffer.from([0xe9]), Buffer.from('\n')]),
      );
      writeFileSync(join(dir, 'alias-bomb.md'), release(aliasBomb));
      // Not a release suffix: ingestion ignores it, and so does the walk.
      writeFileSync(join(dir, 'notes.yaml'), 'title: [unclosed');
      // Two good files with one id: a warning, not a problem.
      writeFileSync(join(dir, 'nested', 'good.txt'), release('title: Also good\ndate: 2024-01-02'));
    });

    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('prints one line per problem, with the line where known, and exits 1', () => {
      const result = runCheck(dir);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(1);
      const at = (name: string) => join(dir, name);
      const lines = result.stdout.trimEnd().split('\n');
      expect(lines).toEqual([
        `${at('alias-bomb.md')}:2: front matter: the YAML uses too many aliases (possible alias bomb)`,
        `${at('bad-url.md')}:5: url: "not a url" is not an absolute http(s) URL`,
        `${at('latin1.md')}: file: is not valid UTF-8 text`,
        `${at('missing-title.md')}: title: is required`,
        expect.stringMatching(
          new RegExp(`^${at('nested/bad-date.TXT')}:4: date: "2024-13-01" is not a calendar date`),
        ),
        `${at('nested/deeper/js.markdown')}:1: front matter: "js" front matter is not allowed; only YAML is parsed`,
        `${at('nested/good.txt')}: warning: id "good" is also the id of ${at('good.md')}; in one bucket the later upload replaces the other`,
        expect.stringMatching(new RegExp(`^${at('too-large.md')}: file: is \\d+ bytes; the limit is`)),
      ]);
    });
  });
});
