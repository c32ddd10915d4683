import { describe, expect, it } from '@jest/globals';
import { isConditionalCheckFailure, newerVersionUpdate } from '../../src/dynamo.ts';

describe('newerVersionUpdate (highest version wins)', () => {
  it('given fields named like reserved words, then every one is set under a placeholder with the version, on an older version only', () => {
    const update = newerVersionUpdate({
      table: 'qdn-test-media-jobs',
      key: { jobId: 'qdn_1' },
      version: 7,
      fields: { status: 'en_route', date: '2026-12-21', skipped: undefined },
    });

    expect(update).toEqual({
      TableName: 'qdn-test-media-jobs',
      Key: { jobId: 'qdn_1' },
      UpdateExpression: 'SET #version = :version, #f0 = :f0, #f1 = :f1',
      ConditionExpression: 'attribute_not_exists(#version) OR #version < :version',
      ExpressionAttributeNames: { '#version': 'version', '#f0': 'status', '#f1': 'date' },
      ExpressionAttributeValues: { ':version': 7, ':f0': 'en_route', ':f1': '2026-12-21' },
    });
  });

  it('given a version attribute of its own, equal versions allowed and the previous item asked for, then the update says so', () => {
    const update = newerVersionUpdate({
      table: 't',
      key: { pk: 'JOB#1', sk: 'LINK' },
      versionAttribute: 'trackingLinkVersion',
      version: 3,
      orEqual: true,
      returnPrevious: true,
      fields: { linkId: 'link-2' },
    });

    expect(update.ConditionExpression).toBe('attribute_not_exists(#version) OR #version <= :version');
    expect(update.ExpressionAttributeNames).toEqual({ '#version': 'trackingLinkVersion', '#f0': 'linkId' });
    expect(update.ReturnValues).toBe('ALL_OLD');
  });
});

describe('isConditionalCheckFailure', () => {
  it('given a refused condition, alone or in a transaction, then true; anything else, false', () => {
    expect(isConditionalCheckFailure({ name: 'ConditionalCheckFailedException' })).toBe(true);
    expect(
      isConditionalCheckFailure({
        name: 'TransactionCanceledException',
        CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }],
      }),
    ).toBe(true);
    expect(
      isConditionalCheckFailure({
        name: 'TransactionCanceledException',
        CancellationReasons: [{ Code: 'None' }],
      }),
    ).toBe(false);
    expect(isConditionalCheckFailure(new Error('timeout'))).toBe(false);
    expect(isConditionalCheckFailure(undefined)).toBe(false);
  });
});

describe('isConditionalCheckFailure with an item', () => {
  it('given a transaction, then true only for the item whose condition failed; a single write is no item', () => {
    const cancelled = {
      name: 'TransactionCanceledException',
      CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }],
    };
    expect(isConditionalCheckFailure(cancelled, { item: 1 })).toBe(true);
    expect(isConditionalCheckFailure(cancelled, { item: 0 })).toBe(false);
    expect(isConditionalCheckFailure(cancelled, { item: 2 })).toBe(false);
    expect(isConditionalCheckFailure({ name: 'ConditionalCheckFailedException' }, { item: 0 })).toBe(false);
  });
});
