/**
 * Stage settings: prod keeps data and is watched, staging sits between, dev and any other name
 * are disposable; stage names must make valid, distinct stack names.
 */

import { RemovalPolicy } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { DEFAULT_STAGE, settingsFor, stackNameFor } from '#infra/stages.js';

describe('stage settings', () => {
  it('default to dev', () => {
    expect(DEFAULT_STAGE).toBe('dev');
    expect(stackNameFor(DEFAULT_STAGE)).toBe('Releases-dev');
  });

  it('make prod keep its data, log longer, throttle higher, allow more concurrent ingests and notify', () => {
    const prod = settingsFor('prod');
    const dev = settingsFor('dev');
    expect(prod).toMatchObject({
      removalPolicy: RemovalPolicy.RETAIN,
      autoDeleteObjects: false,
      pointInTimeRecovery: true,
      deletionProtection: true,
      alarmTopic: true,
    });
    expect(prod.logRetention).toBeGreaterThan(dev.logRetention);
    expect(prod.throttle.rateLimit).toBeGreaterThan(dev.throttle.rateLimit);
    expect(prod.throttle.burstLimit).toBeGreaterThanOrEqual(prod.throttle.rateLimit);
    expect(prod.ingestConcurrency).toBeGreaterThan(settingsFor('dev').ingestConcurrency);
    expect(prod.noncurrentVersionExpiration.toDays()).toBeGreaterThan(
      dev.noncurrentVersionExpiration.toDays(),
    );
  });

  it('make dev disposable', () => {
    expect(settingsFor('dev')).toMatchObject({
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
      pointInTimeRecovery: false,
      deletionProtection: false,
      alarmTopic: false,
    });
    expect(settingsFor('dev').ingestConcurrency).toBeGreaterThanOrEqual(2);
  });

  it('put staging between dev and prod', () => {
    const [dev, staging, prod] = ['dev', 'staging', 'prod'].map(settingsFor);
    expect(staging?.removalPolicy).toBe(RemovalPolicy.DESTROY);
    expect(staging?.pointInTimeRecovery).toBe(true);
    expect(staging?.logRetention).toBeGreaterThan(dev?.logRetention ?? 0);
    expect(staging?.logRetention).toBeLessThan(prod?.logRetention ?? 0);
    expect(staging?.throttle.rateLimit).toBeGreaterThan(dev?.throttle.rateLimit ?? 0);
    expect(staging?.throttle.rateLimit).toBeLessThan(prod?.throttle.rateLimit ?? 0);
  });

  it('give any other stage the disposable defaults under its own name', () => {
    const { stage, ...rest } = settingsFor('alice');
    const { stage: _dev, ...dev } = settingsFor('dev');
    expect(stage).toBe('alice');
    expect(rest).toEqual(dev);
    expect(stackNameFor('alice')).toBe('Releases-alice');
  });

  it('keep every function inside API Gateway and Lambda limits', () => {
    for (const name of ['dev', 'staging', 'prod']) {
      const { functions } = settingsFor(name);
      expect(functions.api.timeout.toSeconds()).toBeLessThan(30);
      expect(functions.problems.timeout.toSeconds()).toBeLessThan(30);
      expect(functions.ingest.timeout.toSeconds()).toBeLessThanOrEqual(900);
    }
  });

  it.each(['', 'Prod', '1dev', 'a b', 'x'.repeat(26), 'dev_1'])('reject the stage name %j', (name) => {
    expect(() => settingsFor(name)).toThrow(/Invalid stage name/);
  });
});
