import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/support/global-setup.ts'],
    // After each file, the AWS calls its functions made are checked against their IAM roles.
    setupFiles: ['tests/support/iam-check.ts'],
    // Two cores: DynamoDB Local's JVM needs one of them.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Handler modules read their configuration at import (failing fast in Lambda); tests import
    // them for makeHandler and pass real local clients, so these placeholders are never used.
    env: {
      DDB_LOCAL_TELEMETRY: '0',
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
      AWS_REGION: 'ap-southeast-2',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      TABLE_NAME: 'unused-by-tests',
      CURSOR_SECRET: 'unused-by-tests',
      INDEX_QUEUE_URL: 'http://127.0.0.1:1/unused-by-tests',
    },
  },
});
