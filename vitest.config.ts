import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/support/global-setup.ts'],
    // Two cores: DynamoDB Local's JVM needs one of them.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: { DDB_LOCAL_TELEMETRY: '0', POWERTOOLS_LOG_LEVEL: 'SILENT', AWS_REGION: 'ap-southeast-2' },
  },
});
