/**
 * Starts and stops s3rver, the S3-compatible server of the local stack and the tests, on loopback.
 * Its events are raw (unencoded keys, no sequencer); see event-bridge for the conversion.
 */
import type { Cipher, CipherKey, Decipher } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
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

type CipherFactory = (algorithm: string, key: CipherKey, iv: Buffer, ...rest: unknown[]) => Cipher;
type DecipherFactory = (algorithm: string, key: CipherKey, iv: Buffer, ...rest: unknown[]) => Decipher;
interface MutableCrypto {
  createCipheriv: CipherFactory;
  createDecipheriv: DecipherFactory;
}
let tokenCipherPatched = false;

/**
 * s3rver 3.7 encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node 17+) no
 * longer offers: every truncated listing (more keys than MaxKeys) fails with InternalError, so a
 * bucket of more than 1,000 objects could not be listed. The token is opaque to clients, so for
 * the `des` algorithm alone (which would otherwise throw) AES-128-CBC is used, with key and
 * 8-byte IV doubled to its sizes; s3rver only ever deciphers its own tokens.
 */
function patchContinuationTokenCipher(): void {
  if (tokenCipherPatched) return;
  tokenCipherPatched = true;
  const crypto = createRequire(import.meta.url)('node:crypto') as MutableCrypto;
  try {
    crypto.createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8));
    return; // DES available (legacy provider loaded): nothing to do
  } catch {
    // fall through and patch
  }
  const widen = (value: CipherKey | Buffer): Buffer => {
    const bytes = Buffer.from(value as Buffer);
    return bytes.length === 8 ? Buffer.concat([bytes, bytes]) : bytes;
  };
  const createCipheriv = crypto.createCipheriv;
  const createDecipheriv = crypto.createDecipheriv;
  crypto.createCipheriv = (algorithm, key, iv, ...rest) =>
    algorithm === 'des'
      ? createCipheriv('aes-128-cbc', widen(key), widen(iv))
      : createCipheriv(algorithm, key, iv, ...rest);
  crypto.createDecipheriv = (algorithm, key, iv, ...rest) =>
    algorithm === 'des'
      ? createDecipheriv('aes-128-cbc', widen(key), widen(iv))
      : createDecipheriv(algorithm, key, iv, ...rest);
}

export async function startS3Server(options: {
  port: number;
  directory: string;
  buckets: string[];
}): Promise<S3Server> {
  patchContinuationTokenCipher();
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
