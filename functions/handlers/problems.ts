/**
 * Lambda entry point of `GET /problems` (IAM-authorized in the cloud): the release files that
 * could not be ingested. Its own function so that only it needs to sit behind IAM.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { cursorSecretSource, requireEnv } from '#platform/aws/config.js';
import { logger } from '#platform/aws/logger.js';
import { createMetrics, type Metrics } from '#platform/aws/metrics.js';
import { NO_ROUTE } from '#platform/metric-names.js';
import { DynamoReleaseReader } from '#query/aws/dynamodb-release-reader.js';
import { queryOf, serve } from '#query/aws/http.js';
import { publishRequestMetrics } from '#query/aws/request-metrics.js';
import {
  type CursorSecret,
  resolveCursorSecret,
  SecretsManagerCursorKeys,
} from '#query/aws/secrets-manager.js';
import { DEFAULT_TEXT_BUDGET, listProblems, type QueryContext } from '#query/query-releases.js';

export interface ProblemsDeps {
  doc: DynamoDBDocumentClient;
  tableName: string;
  /** HMAC keys for page cursors, or where to read them (Secrets Manager in the cloud). */
  cursorSecret: CursorSecret;
  /** @default - no metrics (the Lambda entry point passes the function's own) */
  metrics?: Metrics;
}

export type ProblemsHandler = (
  event: APIGatewayProxyEventV2,
  context?: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

export function makeHandler(deps: ProblemsDeps): ProblemsHandler {
  const base: Omit<QueryContext, 'cursorSecret'> = {
    reader: new DynamoReleaseReader(deps.doc, deps.tableName),
    textSearch: false,
    textBudget: DEFAULT_TEXT_BUDGET,
    now: Date.now,
  };
  return async (event, context) => {
    if (context) logger.addContext(context);
    let route = NO_ROUTE;
    const result = await serve(event, 'problems', async (request) => {
      route = request.route.operationId;
      const ctx: QueryContext = { ...base, cursorSecret: await resolveCursorSecret(deps.cursorSecret) };
      return {
        body: await listProblems(ctx, queryOf(request)),
        cacheControl: request.route.cacheControl,
      };
    });
    if (deps.metrics) publishRequestMetrics(deps.metrics, { route, status: result.statusCode ?? 200 });
    return result;
  };
}

export function fromEnvironment(env: NodeJS.ProcessEnv = process.env): ProblemsDeps {
  const tableName = requireEnv('TABLE_NAME', env);
  const source = cursorSecretSource(env);
  const cursorSecret =
    'secretArn' in source
      ? new SecretsManagerCursorKeys(new SecretsManagerClient({}), source.secretArn).get
      : source.literal;
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const metrics = createMetrics(env.POWERTOOLS_SERVICE_NAME ?? 'releases-problems', env);
  return { doc, tableName, cursorSecret, metrics };
}

export const handler = makeHandler(fromEnvironment());
