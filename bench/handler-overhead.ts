/**
 * `handler-overhead`: the CPU one API request costs in the handler's process (`process.cpuUsage`,
 * user + system, one request at a time), the real API handler against a minimal handler that makes
 * the same DynamoDB calls and returns their items as JSON. The calls are recorded from the real
 * handler itself (its client's middleware stack, after the document client has marshalled them),
 * so the baseline follows whatever each kind reads: one Query for a list page, the index walk's
 * Queries and BatchGetItems for `q`. The two alternate request by request, after a warm-up; the
 * figure is the ratio of their medians. DynamoDB Local's CPU is in its own process, not counted.
 */
import {
  BatchGetItemCommand,
  type BatchGetItemCommandInput,
  type DynamoDBClient,
  GetItemCommand,
  type GetItemCommandInput,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { median, round } from './stats.js';

export interface OverheadFigures {
  requests: number;
  /** Median CPU per request, microseconds. */
  realCpuUs: number;
  minimalCpuUs: number;
  /** realCpuUs / minimalCpuUs */
  ratio: number;
  /** DynamoDB calls per request the minimal handler makes (the real one's, recorded). */
  callsPerRequest: number;
}

interface RecordedCall {
  name: string;
  input: unknown;
}

type Handler = (event: APIGatewayProxyEventV2) => Promise<{ statusCode?: number }>;

/** Records every DynamoDB call a client makes, as sent (marshalled). */
export function recordCalls(client: DynamoDBClient): { take(): RecordedCall[] } {
  const calls: RecordedCall[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      calls.push({ name: String(context.commandName), input: structuredClone(args.input) });
      return next(args);
    },
    // At the build step the document client has marshalled the input (just before the serializer).
    { step: 'build', priority: 'high', name: 'benchRecordCalls' },
  );
  return { take: () => calls.splice(0) };
}

type Item = Parameters<typeof unmarshall>[0];

async function send(client: DynamoDBClient, call: RecordedCall): Promise<Item[]> {
  switch (call.name) {
    case 'QueryCommand': {
      const output = await client.send(new QueryCommand(call.input as QueryCommandInput));
      return output.Items ?? [];
    }
    case 'GetItemCommand': {
      const output = await client.send(new GetItemCommand(call.input as GetItemCommandInput));
      return output.Item ? [output.Item] : [];
    }
    case 'BatchGetItemCommand': {
      const output = await client.send(new BatchGetItemCommand(call.input as BatchGetItemCommandInput));
      return Object.values(output.Responses ?? {}).flat();
    }
    default:
      throw new Error(`handler-overhead: no minimal replay of ${call.name}`);
  }
}

/** The baseline: the recorded calls in order, their items unmarshalled and returned as JSON. */
export function minimalHandler(client: DynamoDBClient, calls: readonly RecordedCall[]) {
  return async () => {
    const items: Record<string, unknown>[] = [];
    for (const call of calls) for (const item of await send(client, call)) items.push(unmarshall(item));
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items }),
    };
  };
}

function cpuMicros(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return used.user + used.system;
}

/**
 * `reps` requests each way over `events` in turn. `recording` is a second real handler whose
 * client carries `recorder`: each event is answered by it twice (caches warm) and the second
 * answer's calls become that event's minimal handler.
 */
export async function measureOverhead(options: {
  handler: Handler;
  recording: Handler;
  recorder: { take(): RecordedCall[] };
  minimalClient: DynamoDBClient;
  events: readonly APIGatewayProxyEventV2[];
  reps: number;
  onRequest?: () => void;
}): Promise<OverheadFigures> {
  const { handler, events, reps } = options;
  const minimal: Array<() => Promise<{ statusCode: number }>> = [];
  let calls = 0;
  for (const event of events) {
    await options.recording(event);
    options.recorder.take();
    const result = await options.recording(event);
    if (result.statusCode !== 200)
      throw new Error(`handler-overhead: ${event.rawPath}: ${result.statusCode}`);
    const recorded = options.recorder.take();
    calls += recorded.length;
    minimal.push(minimalHandler(options.minimalClient, recorded));
  }
  const real: number[] = [];
  const base: number[] = [];
  const timeReal = async (i: number) => {
    const start = process.cpuUsage();
    const result = await handler(events[i % events.length] as APIGatewayProxyEventV2);
    const us = cpuMicros(start);
    if (result.statusCode !== 200) throw new Error(`handler-overhead: status ${result.statusCode}`);
    return us;
  };
  const timeMinimal = async (i: number) => {
    const start = process.cpuUsage();
    await (minimal[i % minimal.length] as () => Promise<unknown>)();
    return cpuMicros(start);
  };
  const warmUp = Math.min(50, Math.max(5, Math.floor(reps / 10)));
  for (let i = 0; i < warmUp; i += 1) {
    await timeReal(i);
    await timeMinimal(i);
  }
  for (let i = 0; i < reps; i += 1) {
    if (i % 2 === 0) {
      real.push(await timeReal(i));
      base.push(await timeMinimal(i));
    } else {
      base.push(await timeMinimal(i));
      real.push(await timeReal(i));
    }
    options.onRequest?.();
  }
  const realCpuUs = median(real);
  const minimalCpuUs = median(base);
  return {
    requests: reps,
    realCpuUs: round(realCpuUs, 0),
    minimalCpuUs: round(minimalCpuUs, 0),
    ratio: round(realCpuUs / minimalCpuUs, 3),
    callsPerRequest: round(calls / Math.max(1, events.length), 2),
  };
}
