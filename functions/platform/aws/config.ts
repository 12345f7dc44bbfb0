/** Reads a required environment variable once, failing fast with its name. */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new Error(`Missing required environment variable ${name}`);
  }
  return value;
}

/** Reads an `on`/`off` switch (also `true`/`false`, `1`/`0`). */
export function envSwitch(name: string, fallback: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env[name]?.trim().toLowerCase();
  if (value === undefined || value === '') return fallback;
  if (['on', 'true', '1', 'yes'].includes(value)) return true;
  if (['off', 'false', '0', 'no'].includes(value)) return false;
  throw new Error(`Environment variable ${name} must be on or off, got "${value}"`);
}

/**
 * Where the cursor keys come from: in the cloud `CURSOR_SECRET_ARN` names a Secrets Manager
 * secret (the value itself is never in the environment); the local stack and the benchmark,
 * which have no Secrets Manager, pass a literal `CURSOR_SECRET` instead.
 */
export function cursorSecretSource(
  env: NodeJS.ProcessEnv = process.env,
): { secretArn: string } | { literal: string } {
  const secretArn = env.CURSOR_SECRET_ARN;
  if (secretArn) return { secretArn };
  return { literal: requireEnv('CURSOR_SECRET', env) };
}
