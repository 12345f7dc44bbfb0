import type { S3Event } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createEventBridge } from '#local/event-bridge.js';
import type { S3rverEvent } from '#local/s3-server.js';

function put(key: string): S3rverEvent {
  return {
    Records: [
      {
        eventName: 'ObjectCreated:Put',
        eventTime: new Date().toISOString(),
        s3: { bucket: { name: 'releases' }, object: { key, size: 1, eTag: 'e' } },
      },
    ],
  };
}

describe('event bridge (Lambda asynchronous invocation, locally)', () => {
  it('delivers each release-file event to the handler, concurrently, with encoded keys', async () => {
    let running = 0;
    let peak = 0;
    const keys: string[] = [];
    const bridge = createEventBridge({
      handler: async (event: S3Event) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 20));
        keys.push(event.Records[0]?.s3.object.key ?? '');
        running--;
      },
    });
    bridge.deliver(put('a b.md'));
    bridge.deliver(put('image.png'));
    bridge.deliver(put('c+d.md'));
    await bridge.idle();
    expect(keys.sort()).toEqual(['a+b.md', 'c%2Bd.md']);
    expect(peak).toBe(2);
    expect(bridge.stats).toMatchObject({ delivered: 2, retried: 0, deadLettered: 0, inFlight: 0 });
  });

  it('retries a throwing invocation twice, then dead-letters it', async () => {
    let calls = 0;
    const logged: string[] = [];
    const bridge = createEventBridge({
      handler: async () => {
        calls++;
        throw new Error('DynamoDB unavailable');
      },
      backoffMs: 5,
      log: (line) => logged.push(line),
    });
    bridge.deliver(put('a.md'));
    await bridge.idle();
    expect(calls).toBe(3);
    expect(bridge.deadLetters).toHaveLength(1);
    expect(bridge.deadLetters[0]).toMatchObject({ attempts: 3, error: 'DynamoDB unavailable' });
    expect(logged.at(-1)).toContain('dead-lettered');
  });

  it('succeeds on a retry after a transient failure', async () => {
    let calls = 0;
    const bridge = createEventBridge({
      handler: async () => {
        calls++;
        if (calls === 1) throw new Error('throttled');
      },
      backoffMs: 5,
    });
    bridge.deliver(put('a.md'));
    await bridge.idle();
    expect(calls).toBe(2);
    expect(bridge.stats).toMatchObject({ delivered: 1, retried: 1, deadLettered: 0 });
  });

  it('gives up pending retries when closed', async () => {
    const bridge = createEventBridge({
      handler: async () => {
        throw new Error('down');
      },
      backoffMs: 60_000,
    });
    bridge.deliver(put('a.md'));
    await new Promise((r) => setTimeout(r, 10));
    bridge.close();
    await bridge.idle();
    expect(bridge.deadLetters).toHaveLength(1);
  });
});

describe('event bridge concurrency', () => {
  it('runs at most `concurrency` invocations at once and queues the rest', async () => {
    let running = 0;
    let peak = 0;
    let done = 0;
    const bridge = createEventBridge({
      concurrency: 3,
      handler: async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        done++;
      },
    });
    for (let i = 0; i < 20; i++) bridge.deliver(put(`file-${i}.md`));
    await bridge.idle();
    expect(done).toBe(20);
    expect(peak).toBe(3);
  });
});

describe('event bridge shutdown', () => {
  it('dead-letters queued events without running them when closed', async () => {
    let calls = 0;
    let release: () => void = () => {};
    const bridge = createEventBridge({
      concurrency: 1,
      handler: async () => {
        calls++;
        await new Promise<void>((r) => {
          release = r;
        });
      },
    });
    for (let i = 0; i < 5; i++) bridge.deliver(put(`q-${i}.md`));
    await new Promise((r) => setTimeout(r, 10));
    bridge.close();
    release();
    await bridge.idle();
    expect(calls).toBe(1);
    expect(bridge.stats).toMatchObject({ delivered: 1, deadLettered: 4 });
  });
});
