import { describe, expect, it } from 'vitest';
import { decodeS3EventKey, encodeS3EventKey, Sequencer, toS3Events } from '#local/s3-events.js';
import type { S3rverEvent } from '#local/s3-server.js';

function s3rverEvent(
  eventName: string,
  key: string,
  extra: { size?: number; eTag?: string } = {},
): S3rverEvent {
  return {
    Records: [
      {
        eventName,
        eventTime: '2024-07-02T01:02:03.456Z',
        s3: { bucket: { name: 'releases' }, object: { key, sequencer: '18F', ...extra } },
      },
    ],
  };
}

describe('S3 event keys', () => {
  it.each([
    ['plain.md', 'plain.md'],
    ['Te Pāti Māori + 100% ready.md', 'Te+P%C4%81ti+M%C4%81ori+%2B+100%25+ready.md'],
    ['2024/07/a b.md', '2024%2F07%2Fa+b.md'],
  ])('encodes %j as S3 does (space as +, + and %% escaped, UTF-8 bytes)', (key, encoded) => {
    expect(encodeS3EventKey(key)).toBe(encoded);
    expect(decodeS3EventKey(encoded)).toBe(key);
  });

  it('round-trips keys with every awkward character', () => {
    const key = "a+b c%20d%2B~!*'()&=?#[]@$,;é.md";
    expect(decodeS3EventKey(encodeS3EventKey(key))).toBe(key);
  });
});

describe('Sequencer', () => {
  it('increases strictly even when the clock stands still', () => {
    const sequencer = new Sequencer(
      () => 1_700_000_000_000,
      () => 0n,
    );
    const values = Array.from({ length: 5 }, () => sequencer.next());
    expect(new Set(values).size).toBe(5);
    expect([...values].sort()).toEqual(values);
    expect(values.every((v) => /^[0-9A-F]{20}$/.test(v))).toBe(true);
  });

  it('continues above an earlier run after a restart', () => {
    const before = new Sequencer(() => 1_700_000_000_000).next();
    const after = new Sequencer(() => 1_700_000_000_001).next();
    expect(after > before).toBe(true);
  });
});

describe('toS3Events', () => {
  it('turns a put into a real S3 record with encoded key, sequencer, eTag and size', () => {
    const sequencer = new Sequencer();
    const [event, ...rest] = toS3Events(
      s3rverEvent('ObjectCreated:Put', 'Te Pāti Māori + 100% ready.md', { size: 42, eTag: 'abc123' }),
      { sequencer },
    );
    expect(rest).toEqual([]);
    const record = event?.Records[0];
    expect(record?.eventName).toBe('ObjectCreated:Put');
    expect(record?.eventSource).toBe('aws:s3');
    expect(record?.eventTime).toBe('2024-07-02T01:02:03.456Z');
    expect(record?.s3.bucket).toMatchObject({ name: 'releases', arn: 'arn:aws:s3:::releases' });
    expect(record?.s3.object).toMatchObject({
      key: 'Te+P%C4%81ti+M%C4%81ori+%2B+100%25+ready.md',
      size: 42,
      eTag: 'abc123',
    });
    expect(record?.s3.object.sequencer).toMatch(/^[0-9A-F]{20}$/);
  });

  it('turns a delete into ObjectRemoved:Delete without size or eTag', () => {
    const [event] = toS3Events(s3rverEvent('ObjectRemoved:Delete', 'a b.md'), { sequencer: new Sequencer() });
    expect(event?.Records[0]?.eventName).toBe('ObjectRemoved:Delete');
    expect(event?.Records[0]?.s3.object).toEqual({ key: 'a+b.md', sequencer: expect.any(String) });
  });

  it('drops keys that are not release files, as the bucket notification filter does', () => {
    expect(toS3Events(s3rverEvent('ObjectCreated:Put', 'photo.jpg'), { sequencer: new Sequencer() })).toEqual(
      [],
    );
    expect(
      toS3Events(s3rverEvent('ObjectCreated:Put', 'NOTES.TXT'), { sequencer: new Sequencer() }),
    ).toHaveLength(1);
  });

  it('gives later events of one key larger sequencers', () => {
    const sequencer = new Sequencer();
    const first = toS3Events(s3rverEvent('ObjectCreated:Put', 'a.md'), { sequencer })[0];
    const second = toS3Events(s3rverEvent('ObjectRemoved:Delete', 'a.md'), { sequencer })[0];
    const a = first?.Records[0]?.s3.object.sequencer ?? '';
    const b = second?.Records[0]?.s3.object.sequencer ?? '';
    expect(b > a).toBe(true);
  });
});
