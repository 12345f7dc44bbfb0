/**
 * Readers' side: the HTTP API (payload format 2.0) with the routes of `#query/routes`, a
 * `$default` route so unknown paths get our problem+json 404, CORS, stage throttling and JSON
 * access logs; the `api` and `problems` functions behind it, both read-only on the table.
 */

import { Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { FunctionSizing, LogLevel } from '#infra/stages.js';
import { STAGE_ENV } from '#platform/metric-names.js';
import { CORS, DEFAULT_ROUTE_FUNCTION, type FunctionName, ROUTES } from '#query/routes.js';
import { HouseFunction } from './house-function.js';
import type { ReleasesTable } from './releases-table.js';

export interface QueryApiProps {
  /**
   * The stage name, the `stage` dimension of the functions' metrics (`STAGE`).
   * @default - `local` in the metrics
   */
  readonly stage?: string;
  readonly table: ReleasesTable;
  readonly entries: Readonly<Record<FunctionName, string>>;
  readonly sizing: Readonly<Record<FunctionName, FunctionSizing>>;
  /** `q` on `/releases` (`TEXT_SEARCH=on|off`). */
  readonly textSearch: boolean;
  /** HMAC keys of pagination cursors; the functions get its ARN and may only read it. */
  readonly cursorSecret: ISecret;
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: RetentionDays;
  readonly logLevel: LogLevel;
}

/** One JSON object per request; `$context` variables of HTTP APIs. */
export const ACCESS_LOG_FIELDS: Readonly<Record<string, string>> = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  caller: '$context.identity.userArn',
  httpMethod: '$context.httpMethod',
  path: '$context.path',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integrationStatus',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
};

const CORS_METHODS: Readonly<Record<string, CorsHttpMethod>> = {
  GET: CorsHttpMethod.GET,
  HEAD: CorsHttpMethod.HEAD,
  OPTIONS: CorsHttpMethod.OPTIONS,
};

export class QueryApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  readonly functions: Readonly<Record<FunctionName, HouseFunction>>;

  constructor(scope: Construct, id: string, props: QueryApiProps) {
    super(scope, id);

    const stageEnv: Record<string, string> = props.stage ? { [STAGE_ENV]: props.stage } : {};
    const common = {
      logRetention: props.logRetention,
      logLevel: props.logLevel,
      removalPolicy: props.removalPolicy,
    };
    const api = new HouseFunction(this, 'Api', {
      ...common,
      entry: props.entries.api,
      description: 'Answers the public GET routes of the releases API',
      serviceName: 'releases-api',
      ...props.sizing.api,
      environment: {
        ...stageEnv,
        TABLE_NAME: props.table.table.tableName,
        TEXT_SEARCH: props.textSearch ? 'on' : 'off',
        CURSOR_SECRET_ARN: props.cursorSecret.secretArn,
      },
    });
    const problems = new HouseFunction(this, 'Problems', {
      ...common,
      entry: props.entries.problems,
      description: 'Lists ingest problems (IAM-authorized)',
      serviceName: 'releases-problems',
      ...props.sizing.problems,
      environment: {
        ...stageEnv,
        TABLE_NAME: props.table.table.tableName,
        CURSOR_SECRET_ARN: props.cursorSecret.secretArn,
      },
    });
    this.functions = { api, problems };
    for (const fn of [api, problems]) {
      props.table.grantQuery(fn.function);
      props.cursorSecret.grantRead(fn.function);
    }

    // One integration and one invoke permission per function, scoped to this API.
    const integrations: Record<FunctionName, HttpLambdaIntegration> = {
      api: new HttpLambdaIntegration('ApiIntegration', api.function, { scopePermissionToRoute: false }),
      problems: new HttpLambdaIntegration('ProblemsIntegration', problems.function, {
        scopePermissionToRoute: false,
      }),
    };

    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: Stack.of(this).stackName,
      description: 'Releases: government press releases, newest first',
      createDefaultStage: false,
      defaultIntegration: integrations[DEFAULT_ROUTE_FUNCTION],
      corsPreflight: {
        allowOrigins: [...CORS.allowOrigins],
        allowMethods: CORS.allowMethods.map((method) => {
          const mapped = CORS_METHODS[method];
          if (!mapped) throw new Error(`CORS method ${method} has no API Gateway equivalent`);
          return mapped;
        }),
        allowHeaders: [...CORS.allowHeaders],
        exposeHeaders: [...CORS.exposeHeaders],
        maxAge: Duration.seconds(CORS.maxAgeSeconds),
      },
    });

    const iam = new HttpIamAuthorizer();
    for (const route of ROUTES) {
      const httpRoute = new HttpRoute(this, `Route-${route.operationId}`, {
        httpApi: this.httpApi,
        routeKey: HttpRouteKey.with(route.path, HttpMethod[route.method]),
        integration: integrations[route.function],
        authorizer: route.auth === 'iam' ? iam : undefined,
      });
      if (route.auth === 'none') {
        Validations.of(httpRoute).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${route.routeKey} is public by design: anyone may read published press releases.`,
        });
      }
    }
    const defaultRoute = this.httpApi.node.tryFindChild('DefaultRoute');
    if (defaultRoute) {
      Validations.of(defaultRoute).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: '$default only answers unknown paths with a problem+json 404; it reads nothing.',
      });
    }

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttle.rateLimit, burstLimit: props.throttle.burstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
  }

  /** `https://<id>.execute-api.<region>.amazonaws.com`, without a trailing slash. */
  get url(): string {
    return this.httpApi.apiEndpoint;
  }
}
