import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { CDK_JSON_CONTEXT } from './synth.js';

// The flags aws-cdk-lib recommends for new projects at the installed version; `cdk synth` warns
// about every one of them that cdk.json leaves unset.
const recommendedPath = createRequire(import.meta.url).resolve('aws-cdk-lib/recommended-feature-flags.json');
const recommended = JSON.parse(readFileSync(recommendedPath, 'utf8')) as Record<string, unknown>;

describe('cdk.json feature flags', () => {
  it('sets every flag aws-cdk-lib recommends, to the recommended value', () => {
    expect(Object.keys(recommended).length).toBeGreaterThan(50);
    const context = CDK_JSON_CONTEXT as Record<string, unknown>;
    const unset = Object.keys(recommended).filter((flag) => !(flag in context));
    const different = Object.keys(recommended).filter(
      (flag) => flag in context && JSON.stringify(context[flag]) !== JSON.stringify(recommended[flag]),
    );
    expect({ unset, different }).toEqual({ unset: [], different: [] });
  });
});
