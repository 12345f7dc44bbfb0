/**
 * The query side's typed errors. Core code throws them; the HTTP adapter
 * (functions/query/aws/http.ts) is the one place that turns them into problem+json responses.
 */

export interface ParameterIssue {
  /** The query parameter (or `id` path parameter) at fault. */
  parameter: string;
  /** A sentence a client can act on, naming the parameter. */
  detail: string;
}

/** A request parameter is unknown, malformed, out of range or contradicts another: 400. */
export class BadParameterError extends Error {
  readonly parameter: string;
  readonly issues: readonly ParameterIssue[];

  constructor(issues: readonly [ParameterIssue, ...ParameterIssue[]]) {
    super(issues.map((issue) => issue.detail).join(' '));
    this.issues = issues;
    this.parameter = issues[0].parameter;
  }

  static of(parameter: string, detail: string): BadParameterError {
    return new BadParameterError([{ parameter, detail }]);
  }
}

/** `q` was sent to a stage whose text search is switched off: 400 that says so. */
export class TextSearchDisabledError extends BadParameterError {
  constructor() {
    super([
      {
        parameter: 'q',
        detail: 'Query parameter "q": text search is switched off on this stage; leave out q.',
      },
    ]);
  }
}

/** No such route or release: 404. */
export class NotFoundError extends Error {}

/** A parameter names something that no longer exists (an expired change token): 410. */
export class GoneError extends Error {
  constructor(
    readonly parameter: string,
    detail: string,
  ) {
    super(detail);
  }
}
