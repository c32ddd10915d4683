import { describe, expect, it } from '@jest/globals';
import * as z from 'zod';
import { recordFields, StoredRecordError, storedRecord } from '../../src/stored-record.ts';

interface Member {
  memberId: string;
  active: boolean;
  phone?: string;
  home?: { city: string; zip?: string };
}

const storedMember = storedRecord(
  'member',
  recordFields<Member>()({
    memberId: z.string(),
    active: z.boolean(),
    phone: z.string().optional(),
    home: recordFields<NonNullable<Member['home']>>()({
      city: z.string(),
      zip: z.string().optional(),
    }).optional(),
  }),
);

function thrownBy(read: () => unknown): StoredRecordError {
  try {
    read();
  } catch (error) {
    if (error instanceof StoredRecordError) return error;
    throw error;
  }
  throw new Error('expected a StoredRecordError');
}

describe('storedRecord', () => {
  it('given an item with its keys, index attributes and a lease, then the record has only its own fields', () => {
    // Prepare
    const item = {
      pk: 'ROSTER',
      sk: 'CREW#ana',
      gsi1pk: 'ACTIVE',
      leaseUntil: 1_765_000_000_000,
      memberId: 'ana',
      active: true,
      home: { city: 'San Diego', legacyField: 'x' },
    };

    // Act
    const member = storedMember(item);

    // Assess: unknown attributes go, nested ones too; absent optional fields stay absent.
    expect(member).toStrictEqual({ memberId: 'ana', active: true, home: { city: 'San Diego' } });
    expect('phone' in member).toBe(false);
  });

  it('given a corrupt item, then a StoredRecordError names its key and every failing field, not the values', () => {
    // Prepare: a wrong type, a missing field and a nested wrong type.
    const item = {
      pk: 'ROSTER',
      sk: 'CREW#bo',
      memberId: 42,
      home: { city: 'Secret Street 1', zip: 92_101 },
    };

    // Act
    const error = thrownBy(() => storedMember(item));

    // Assess
    expect(error.key).toEqual({ pk: 'ROSTER', sk: 'CREW#bo' });
    expect(error.fields.map((problem) => problem.field)).toEqual(['memberId', 'active', 'home.zip']);
    expect(error.message).toMatch(
      /^Stored member \(pk=ROSTER sk=CREW#bo\) does not match its schema: memberId: /,
    );
    expect(error.message).not.toContain('Secret Street');
    expect(error.message).not.toContain('92101');
  });

  it('given a table keyed by other attributes, then the error names those', () => {
    const storedPoint = storedRecord('point', recordFields<{ lat: number }>()({ lat: z.number() }), {
      key: ['jobId', 'pointKey'],
    });

    const error = thrownBy(() =>
      storedPoint({ jobId: 'qdn_1', pointKey: '2026-12-01T10:00:00Z#1,2', lat: '1' }),
    );

    expect(error.key).toEqual({ jobId: 'qdn_1', pointKey: '2026-12-01T10:00:00Z#1,2' });
    expect(error.message).toContain('(jobId=qdn_1 pointKey=2026-12-01T10:00:00Z#1,2)');
  });

  it('given nullIsAbsent, then a fact stored as null reads as an absent field; without it, null is an error', () => {
    const item = { pk: 'ROSTER', sk: 'CREW#cy', memberId: 'cy', active: false, phone: null };
    const lenient = storedRecord(
      'member',
      recordFields<Member>()({
        memberId: z.string(),
        active: z.boolean(),
        phone: z.string().optional(),
        home: z.object({ city: z.string() }).optional(),
      }),
      { nullIsAbsent: true },
    );

    expect(lenient(item)).toStrictEqual({ memberId: 'cy', active: false });
    expect(thrownBy(() => storedMember(item)).fields).toEqual([
      { field: 'phone', message: expect.stringContaining('expected string') },
    ]);
  });
});
