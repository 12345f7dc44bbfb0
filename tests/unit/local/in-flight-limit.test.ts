/**
 * The cap on requests in flight to DynamoDB Local: never more than its limit at once, in arrival
 * order, a failed request frees its slot, and on a client it caps every attempt on the wire,
 * retries included.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { InFlightLimit } from '#local/in-flight-limit.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('InFlightLimit', () => {
  it('runs at most its limit at once, in the order they came', async () => {
    const limit = new InFlightLimit(3);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        limit.run(async () => {
          started.push(index);
          running += 1;
          most = Math.max(most, running);
          await tick();
          running -= 1;
          return index;
        }),
      ),
    );
    expect(most).toBe(3);
    expect(started).toEqual(Array.from({ length: 20 }, (_, index) => index));
    expect(limit.stats).toEqual({ waited: 17, mostWaiting: 17 });
  });

  it('frees the slot of a task that fails', async () => {
    const limit = new InFlightLimit(1);
    await expect(limit.run(() => Promise.reject(new Error('lost')))).rejects.toThrow('lost');
    await expect(limit.run(async () => 'next')).resolves.toBe('next');
  });

  it('refuses a limit that is not a positive whole number', () => {
    expect(() => new InFlightLimit(0)).toThrow(/positive integer/);
    expect(() => new InFlightLimit(1.5)).toThrow(/positive integer/);
  });

  it('on a client, caps the attempts on the wire, retried ones included', async () => {
    let onWire = 0;
    let most = 0;
    let calls = 0;
    const client = new DynamoDBClient({
      region: 'local',
      endpoint: 'http://127.0.0.1:1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 5,
      requestHandler: {
        async handle() {
          calls += 1;
          onWire += 1;
          most = Math.max(most, onWire);
          await tick();
          onWire -= 1;
          // Four attempts fail as DynamoDB Local does when a lock times out, and are retried (no
          // request can fail all of its five attempts).
          const failed = calls % 3 === 0 && calls <= 12;
          // The shape of the SDK's HttpResponse (the SDK checks the shape, not the class).
          return {
            response: {
              statusCode: failed ? 500 : 200,
              headers: { 'content-type': 'application/x-amz-json-1.0' },
              body: Buffer.from(
                failed
                  ? JSON.stringify({
                      __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
                      message: 'too long waiting for a lock',
                    })
                  : '{}',
              ),
            },
          };
        },
      },
    });
    const limit = new InFlightLimit(2);
    limit.attach(client);
    const key = { pk: { S: 'p' }, sk: { S: 's' } };
    await Promise.all(
      Array.from({ length: 12 }, () => client.send(new GetItemCommand({ TableName: 't', Key: key }))),
    );
    client.destroy();
    expect(most).toBe(2);
    expect(calls).toBeGreaterThanOrEqual(16);
  });
});
