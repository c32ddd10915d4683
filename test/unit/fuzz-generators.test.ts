import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { StatusInput } from '../../services/jobs/src/domain/job-input.ts';
import { PhotoUpdate, UploadRequest } from '../../services/media/src/domain/photo-input.ts';
import { ChecklistTickInput } from '../../services/scc-bridge/src/domain/crew-link-input.ts';
import { CreateCrewMemberInput } from '../../services/scc-bridge/src/domain/crew-member.ts';
import { DiscardBody } from '../../shared/src/ops-routes.ts';
import { SCHEMA_HINTS } from '../fuzz/routes.ts';
import { arbitraryFor, nearValid, withOwnKey } from '../fuzz/zod-arbitrary.ts';

// The fuzz suite's generators (test/fuzz/zod-arbitrary.ts): valid values must mostly be valid, or the
// fuzzer never gets past validation; near-valid ones must mostly be refused, or it never tests it.
const accepted = (schema: { safeParse(value: unknown): { success: boolean } }, values: unknown[]) =>
  values.filter((value) => schema.safeParse(value).success).length / values.length;

describe('fuzz generators from zod schemas', () => {
  it.each([
    ['UploadRequest', UploadRequest],
    ['PhotoUpdate', PhotoUpdate],
    ['ChecklistTickInput', ChecklistTickInput],
    ['DiscardBody', DiscardBody],
    ['StatusInput', StatusInput],
    ['CreateCrewMemberInput', CreateCrewMemberInput],
  ])('given %s, when values are generated from it, then at least 90%% pass it', (_name, schema) => {
    const values = fc.sample(arbitraryFor(schema, SCHEMA_HINTS), { seed: 7, numRuns: 200 });
    expect(accepted(schema, values)).toBeGreaterThanOrEqual(0.9);
  });

  it('given a strict schema, when near-valid values are generated, then most are refused (a dropped optional field or a hostile value of the right type still passes)', () => {
    const values = fc.sample(nearValid(arbitraryFor(CreateCrewMemberInput, SCHEMA_HINTS)), {
      seed: 7,
      numRuns: 200,
    });
    expect(accepted(CreateCrewMemberInput, values)).toBeLessThan(0.5);
  });

  it('given __proto__ as a key, when added, then it is an own field that JSON carries, not a prototype', () => {
    const value = withOwnKey({ done: true }, '__proto__', { admin: true });
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(JSON.stringify(value)).toBe('{"done":true,"__proto__":{"admin":true}}');
    expect(ChecklistTickInput.safeParse(JSON.parse(JSON.stringify(value))).success).toBe(false);
  });
});
