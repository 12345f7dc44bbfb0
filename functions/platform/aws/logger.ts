/**
 * The one structured JSON logger of every function (Powertools for AWS Lambda). Handlers add
 * per-record keys with `logger.appendKeys({ key, id })`; nothing in functions uses console.log.
 */
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'releases' });
