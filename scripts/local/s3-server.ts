/**
 * Starts and stops s3rver, the S3-compatible server of the local stack and the tests, on loopback.
 * Its events are raw (unencoded keys, no sequencer); see event-bridge for the conversion.
 */
import { mkdirSync } from 'node:fs';
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** s3rver stores streamed bodies with aws-chunked framing unless checksums are off (see README). */
export function localS3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    credentials: S3RVER_CREDENTIALS,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** The record shape s3rver emits on its 'event' channel. */
export interface S3rverEvent {
  Records: Array<{
    eventName: string;
    eventTime: string;
    s3: {
      bucket: { name: string };
      object: { key: string; size?: number; eTag?: string; sequencer?: string };
    };
  }>;
}

export interface S3Server {
  endpoint: string;
  instance: S3rver;
  onEvent(listener: (event: S3rverEvent) => void): void;
  stop(): Promise<void>;
}

export async function startS3Server(options: {
  port: number;
  directory: string;
  buckets: string[];
}): Promise<S3Server> {
  mkdirSync(options.directory, { recursive: true });
  const instance = new S3rver({
    address: '127.0.0.1',
    port: options.port,
    silent: true,
    directory: options.directory,
    configureBuckets: options.buckets.map((name) => ({ name, configs: [] })),
  });
  const listening = await instance.run();
  const port = (listening as { port: number }).port ?? options.port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    instance,
    onEvent(listener) {
      (instance as unknown as NodeJS.EventEmitter).on('event', listener);
    },
    async stop() {
      await instance.close();
    },
  };
}
