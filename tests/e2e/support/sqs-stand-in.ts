/**
 * A stand-in for Amazon SQS on loopback, for running the deployed bundles: accepts SendMessage and
 * SendMessageBatch (the AWS JSON 1.0 protocol the SDK speaks) for one queue URL, answers with the
 * MD5 of each body as SQS does (the SDK checks it), and keeps the messages for the test to deliver
 * to the consuming function as its event source would.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SQSEvent, SQSRecord } from 'aws-lambda';

export interface SqsStandIn {
  endpoint: string;
  queueUrl: string;
  readonly bodies: readonly string[];
  /** The messages so far as one SQS event, as Lambda's event source would deliver them. */
  event(queueArn?: string): SQSEvent;
  stop(): Promise<void>;
}

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

export async function startSqsStandIn(queueName = 'index-requests'): Promise<SqsStandIn> {
  const bodies: string[] = [];
  let queueUrl = '';
  const server: Server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => {
      raw += chunk.toString('utf8');
    });
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const input = JSON.parse(raw || '{}') as {
        QueueUrl?: string;
        MessageBody?: string;
        Entries?: Array<{ Id: string; MessageBody: string }>;
      };
      const reply = (status: number, payload: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(JSON.stringify(payload));
      };
      if (input.QueueUrl !== queueUrl) {
        reply(400, { __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: `no queue ${input.QueueUrl}` });
        return;
      }
      if (target === 'AmazonSQS.SendMessage' && typeof input.MessageBody === 'string') {
        bodies.push(input.MessageBody);
        reply(200, { MessageId: randomUUID(), MD5OfMessageBody: md5(input.MessageBody) });
        return;
      }
      if (target === 'AmazonSQS.SendMessageBatch' && Array.isArray(input.Entries)) {
        const successful = input.Entries.map((entry) => {
          bodies.push(entry.MessageBody);
          return { Id: entry.Id, MessageId: randomUUID(), MD5OfMessageBody: md5(entry.MessageBody) };
        });
        reply(200, { Successful: successful, Failed: [] });
        return;
      }
      reply(400, {
        __type: 'com.amazonaws.sqs#UnsupportedOperation',
        message: `not supported here: ${target}`,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  queueUrl = `${endpoint}/000000000000/${queueName}`;
  return {
    endpoint,
    queueUrl,
    get bodies() {
      return bodies;
    },
    event(queueArn = `arn:aws:sqs:ap-southeast-2:000000000000:${queueName}`): SQSEvent {
      const now = String(Date.now());
      return {
        Records: bodies.map(
          (body): SQSRecord => ({
            messageId: randomUUID(),
            receiptHandle: randomUUID(),
            body,
            attributes: {
              ApproximateReceiveCount: '1',
              SentTimestamp: now,
              SenderId: 'AROAEXAMPLE',
              ApproximateFirstReceiveTimestamp: now,
            },
            messageAttributes: {},
            md5OfBody: md5(body),
            eventSource: 'aws:sqs',
            eventSourceARN: queueArn,
            awsRegion: 'ap-southeast-2',
          }),
        ),
      };
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
