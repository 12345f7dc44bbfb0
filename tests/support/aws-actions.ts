/**
 * What IAM authorizes for one AWS SDK v3 call: the IAM action(s) and the resource ARN(s), from the
 * client's and the operation's names and the command's input, for any client. Most operations are
 * their own action on the resource their input names; the exceptions IAM documents are spelled out
 * here: S3's (ListObjectsV2 is s3:ListBucket, a versioned read s3:GetObjectVersion, ...), SQS's
 * batches (SendMessageBatch is sqs:SendMessage), and DynamoDB's transactions, which IAM checks as
 * the actions of their parts (Put is dynamodb:PutItem on the part's table, and so on).
 *
 * ARNs are built with the client's region and LOCAL_ACCOUNT; resource names are the local ones
 * (the checker maps them to the stack's resources). Operations IAM cannot scope to a resource, and
 * those of services not described here, get `*`.
 */

/** One thing IAM authorizes: an action on a resource. */
export interface IamRequest {
  /** `service:Action`, as policies name it. */
  action: string;
  /** The resource's ARN, or `*` for actions without resource-level permissions. */
  resource: string;
  /** For a part of a transaction: the transaction's action. */
  via?: string;
}

export interface SdkCall {
  /** The client class's name: `DynamoDBClient`, `S3Client`, `SQSClient`, ... */
  client: string;
  /** The operation: `GetItem`, `ListObjectsV2`, ... */
  operation: string;
  input: Record<string, unknown>;
  region: string;
  /** The stream a shard iterator reads, for DynamoDB Streams' GetRecords (the input names only the iterator). */
  streamOfIterator?: (iterator: string) => string | undefined;
}

/** The account of every ARN the recorder builds; the checker's policies resolve to any account. */
export const LOCAL_ACCOUNT = '000000000000';

/** IAM's service prefix by client name (without `Client`); others are the name in lower case. */
const SERVICE_PREFIX: Readonly<Record<string, string>> = {
  DynamoDB: 'dynamodb',
  DynamoDBStreams: 'dynamodb',
  S3: 's3',
  SecretsManager: 'secretsmanager',
  SQS: 'sqs',
  SNS: 'sns',
  CloudWatch: 'cloudwatch',
  CloudWatchLogs: 'logs',
  EventBridge: 'events',
  Scheduler: 'scheduler',
  Lambda: 'lambda',
  KMS: 'kms',
  SFN: 'states',
  STS: 'sts',
};

export function servicePrefix(client: string): string {
  const name = client.replace(/Client$/, '');
  return SERVICE_PREFIX[name] ?? name.toLowerCase();
}

export function iamRequestsOf(call: SdkCall): IamRequest[] {
  const service = servicePrefix(call.client);
  switch (service) {
    case 'dynamodb':
      return dynamodbRequests(call);
    case 's3':
      return s3Requests(call.operation, call.input);
    case 'secretsmanager':
      return [{ action: `secretsmanager:${call.operation}`, resource: secretResource(call) }];
    case 'sqs':
      return [sqsRequest(call)];
    case 'sns':
      return [{ action: `sns:${call.operation}`, resource: stringField(call.input, 'TopicArn') ?? '*' }];
    default:
      return [{ action: `${service}:${call.operation}`, resource: '*' }];
  }
}

function stringField(input: Record<string, unknown>, name: string): string | undefined {
  const value = input[name];
  return typeof value === 'string' ? value : undefined;
}

// ---- DynamoDB and DynamoDB Streams ----

/** The IAM action of each kind of transaction part. */
const TRANSACTION_PARTS: Readonly<Record<string, string>> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
  Get: 'GetItem',
};

function tableArn(region: string, table: string): string {
  return table.startsWith('arn:') ? table : `arn:aws:dynamodb:${region}:${LOCAL_ACCOUNT}:table/${table}`;
}

function dynamodbRequests(call: SdkCall): IamRequest[] {
  const { operation, input, region } = call;
  const action = `dynamodb:${operation}`;
  if (Array.isArray(input.TransactItems)) {
    const parts: IamRequest[] = [];
    for (const item of input.TransactItems as Array<Record<string, { TableName?: string }>>) {
      for (const [kind, part] of Object.entries(item)) {
        const partAction = TRANSACTION_PARTS[kind];
        if (!partAction || !part?.TableName) continue;
        parts.push({
          action: `dynamodb:${partAction}`,
          resource: tableArn(region, part.TableName),
          via: action,
        });
      }
    }
    const tables = [...new Set(parts.map((part) => part.resource))];
    return [...tables.map((resource) => ({ action, resource })), ...parts];
  }
  if (input.RequestItems && typeof input.RequestItems === 'object') {
    return Object.keys(input.RequestItems).map((table) => ({ action, resource: tableArn(region, table) }));
  }
  const stream = stringField(input, 'StreamArn');
  if (stream) return [{ action, resource: stream }];
  const iterator = stringField(input, 'ShardIterator');
  if (iterator) return [{ action, resource: call.streamOfIterator?.(iterator) ?? 'unknown stream' }];
  const table = stringField(input, 'TableName');
  if (table) {
    const index = stringField(input, 'IndexName');
    return [{ action, resource: `${tableArn(region, table)}${index ? `/index/${index}` : ''}` }];
  }
  return [{ action, resource: '*' }];
}

// ---- S3 ----

/** Operations authorized by an action of another name. */
const S3_ACTIONS: Readonly<Record<string, string>> = {
  HeadObject: 'GetObject',
  ListObjects: 'ListBucket',
  ListObjectsV2: 'ListBucket',
  HeadBucket: 'ListBucket',
  ListObjectVersions: 'ListBucketVersions',
  ListBuckets: 'ListAllMyBuckets',
  CreateMultipartUpload: 'PutObject',
  UploadPart: 'PutObject',
  CompleteMultipartUpload: 'PutObject',
  ListParts: 'ListMultipartUploadParts',
  ListMultipartUploads: 'ListBucketMultipartUploads',
};

/** Actions that become their `...Version...` form when the input names a version. */
const S3_VERSIONED: Readonly<Record<string, string>> = {
  GetObject: 'GetObjectVersion',
  DeleteObject: 'DeleteObjectVersion',
  GetObjectTagging: 'GetObjectVersionTagging',
  PutObjectTagging: 'PutObjectVersionTagging',
  GetObjectAcl: 'GetObjectVersionAcl',
};

function s3Resource(bucket: string | undefined, key?: string): string {
  if (!bucket) return '*';
  return key === undefined ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/${key}`;
}

function s3Action(operation: string, versioned: boolean): string {
  const action = S3_ACTIONS[operation] ?? operation;
  return `s3:${versioned ? (S3_VERSIONED[action] ?? action) : action}`;
}

function s3Requests(operation: string, input: Record<string, unknown>): IamRequest[] {
  const bucket = stringField(input, 'Bucket');
  if (operation === 'DeleteObjects') {
    const objects = ((input.Delete as { Objects?: Array<{ Key?: string; VersionId?: string }> } | undefined)
      ?.Objects ?? []) as Array<{ Key?: string; VersionId?: string }>;
    return objects.map((object) => ({
      action: s3Action('DeleteObject', object.VersionId !== undefined),
      resource: s3Resource(bucket, object.Key ?? ''),
    }));
  }
  if (operation === 'CopyObject') {
    // `bucket/key`, URL-encoded, with `?versionId=` for a version.
    const copied = decodeURIComponent(stringField(input, 'CopySource') ?? '').replace(/^\//, '');
    const [source = '', version] = copied.split('?versionId=');
    const slash = source.indexOf('/');
    return [
      { action: 's3:PutObject', resource: s3Resource(bucket, stringField(input, 'Key') ?? '') },
      {
        action: s3Action('GetObject', version !== undefined),
        resource: s3Resource(source.slice(0, slash), source.slice(slash + 1)),
      },
    ];
  }
  const key = stringField(input, 'Key');
  const action = s3Action(operation, stringField(input, 'VersionId') !== undefined);
  if (action === 's3:ListAllMyBuckets') return [{ action, resource: '*' }];
  return [{ action, resource: s3Resource(bucket, key) }];
}

// ---- Secrets Manager, SQS ----

function secretResource(call: SdkCall): string {
  const id = stringField(call.input, 'SecretId') ?? stringField(call.input, 'Name');
  if (!id) return '*';
  return id.startsWith('arn:') ? id : `arn:aws:secretsmanager:${call.region}:${LOCAL_ACCOUNT}:secret:${id}`;
}

/** Batch operations IAM authorizes as their single form. */
const SQS_ACTIONS: Readonly<Record<string, string>> = {
  SendMessageBatch: 'SendMessage',
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
};

function sqsRequest(call: SdkCall): IamRequest {
  const action = `sqs:${SQS_ACTIONS[call.operation] ?? call.operation}`;
  const url = stringField(call.input, 'QueueUrl');
  if (url) {
    // https://sqs.<region>.amazonaws.com/<account>/<name>, or an emulator's http://host:port/<account>/<name>
    const [account = LOCAL_ACCOUNT, name = ''] = new URL(url).pathname.split('/').filter(Boolean).slice(-2);
    return { action, resource: `arn:aws:sqs:${call.region}:${account}:${name}` };
  }
  const name = stringField(call.input, 'QueueName');
  return { action, resource: name ? `arn:aws:sqs:${call.region}:${LOCAL_ACCOUNT}:${name}` : '*' };
}
