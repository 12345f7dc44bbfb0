/**
 * The HTTP routes, declared once: the CDK HTTP API, the local stack's HTTP server, the API
 * handler's router and the OpenAPI document all read this table.
 */
export type FunctionName = 'api' | 'problems';

export interface RouteDefinition {
  /** API Gateway route key, e.g. `GET /releases/{id}`. */
  routeKey: string;
  method: 'GET';
  /** Path template with `{param}` segments. */
  path: string;
  /** Which Lambda function serves it. */
  function: FunctionName;
  /** `iam`: SigV4-signed requests only (in the cloud); `none`: public by design. */
  auth: 'none' | 'iam';
  operationId: string;
  /** The `Cache-Control` of its successful answers (the OpenAPI document shows it too). */
  cacheControl: string;
}

function route(
  path: string,
  fn: FunctionName,
  auth: 'none' | 'iam',
  operationId: string,
  cacheControl: string,
): RouteDefinition {
  return { routeKey: `GET ${path}`, method: 'GET', path, function: fn, auth, operationId, cacheControl };
}

/** Lists and feeds: new releases show within a minute. */
const PUBLIC_SHORT = 'public, max-age=60';
/** A release by id, the entity lists: they change seldom. */
const PUBLIC_LONG = 'public, max-age=300';

export const ROUTES: readonly RouteDefinition[] = [
  route('/releases', 'api', 'none', 'listReleases', PUBLIC_SHORT),
  // Its own route key: `/releases/{id}` matches only below `/releases/`, and ids are slugs
  // ([a-z0-9-]), so no id is ever read as the feed or the feed as an id.
  route('/releases.atom', 'api', 'none', 'listReleasesAtom', PUBLIC_SHORT),
  route('/releases/{id}', 'api', 'none', 'getRelease', PUBLIC_LONG),
  // Mirrors poll it: a few seconds, so that a change shows soon after it is logged.
  route('/changes', 'api', 'none', 'listChanges', 'public, max-age=5'),
  // Not under /releases/: a release may have the id "facets".
  route('/facets', 'api', 'none', 'getFacets', PUBLIC_SHORT),
  route('/ministers', 'api', 'none', 'listMinisters', PUBLIC_LONG),
  route('/portfolios', 'api', 'none', 'listPortfolios', PUBLIC_LONG),
  route('/openapi.json', 'api', 'none', 'getOpenApi', 'public, max-age=3600'),
  // Behind IAM, for operators: never kept by a shared cache.
  route('/problems', 'problems', 'iam', 'listProblems', 'private, no-cache'),
];

/**
 * Requests that match no route go to this function, which answers 404 as problem+json (API
 * Gateway's own 404 body would not be problem+json). Declared as the `$default` route.
 */
export const DEFAULT_ROUTE_FUNCTION: FunctionName = 'api';

/** CORS: any origin may GET (API Gateway answers preflights; the local stack mirrors it). */
export const CORS = {
  allowOrigins: ['*'],
  allowMethods: ['GET', 'HEAD', 'OPTIONS'],
  allowHeaders: ['content-type', 'if-none-match', 'authorization', 'x-amz-date', 'x-amz-security-token'],
  exposeHeaders: ['etag', 'cache-control', 'content-type'],
  maxAgeSeconds: 86_400,
} as const;

/** Matches a concrete path against the route table; path parameters are URL-decoded. */
export function matchRoute(
  method: string,
  path: string,
): { route: RouteDefinition; pathParameters: Record<string, string> } | undefined {
  for (const candidate of ROUTES) {
    if (candidate.method !== method.toUpperCase()) continue;
    const names: string[] = [];
    const pattern = candidate.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    const match = new RegExp(`^${pattern}$`).exec(path);
    if (!match) continue;
    const pathParameters: Record<string, string> = {};
    names.forEach((name, i) => {
      const raw = match[i + 1] ?? '';
      try {
        pathParameters[name] = decodeURIComponent(raw);
      } catch {
        pathParameters[name] = raw;
      }
    });
    return { route: candidate, pathParameters };
  }
  return undefined;
}
