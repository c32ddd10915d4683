// Runs every public conformance vector (local/test/conformance/eventbridge, see its README) against our
// EventBridge pattern matcher: each vector is one test named by its id, and every invalid pattern must be refused.
import { describe, expect, it } from '@jest/globals';
import {
  compileEventPattern,
  InvalidEventPatternError,
  matchEventPattern,
} from '../../src/eventbridge/pattern.ts';
import { invalidPatterns, type Vector, vectors } from '../helpers/conformance.ts';

/**
 * Vectors we believe are wrong, with the reason; each is asserted to still deviate so the list cannot rot.
 * Empty: every vector currently agrees with the matcher.
 */
const knownDeviations: Readonly<Record<string, string>> = {};

/** Every way the case can be fed: the raw text when it carries something, else the text and the objects. */
function inputsOf(vector: Vector): { label: string; pattern: string | object; event: string | object }[] {
  if (vector.pattern_raw !== undefined || vector.event_raw !== undefined) {
    return [
      {
        label: 'raw text',
        pattern: vector.pattern_raw ?? JSON.stringify(vector.pattern),
        event: vector.event_raw ?? JSON.stringify(vector.event),
      },
    ];
  }
  return [
    { label: 'JSON text', pattern: JSON.stringify(vector.pattern), event: JSON.stringify(vector.event) },
    { label: 'objects', pattern: vector.pattern, event: vector.event },
  ];
}

describe('EventBridge pattern conformance vectors', () => {
  it('has the published number of cases', () => {
    expect(vectors).toHaveLength(1174);
    expect(invalidPatterns).toHaveLength(134);
  });

  it('lists only known vector ids as deviations', () => {
    const ids = new Set(vectors.map((vector) => vector.id));
    expect(Object.keys(knownDeviations).filter((id) => !ids.has(id))).toEqual([]);
  });

  describe('matching', () => {
    for (const vector of vectors) {
      const deviation = knownDeviations[vector.id];
      it(vector.id, () => {
        for (const input of inputsOf(vector)) {
          // Act
          const matched = matchEventPattern(input.pattern, input.event);

          // Assess
          const expected = deviation === undefined ? vector.matches : !vector.matches;
          expect({ input: input.label, matched }).toEqual({ input: input.label, matched: expected });
        }
      });
    }
  });

  describe('invalid patterns are rejected', () => {
    for (const invalid of invalidPatterns) {
      it(invalid.id, () => {
        // Prepare
        const forms: (string | object)[] =
          invalid.pattern_raw !== undefined
            ? [invalid.pattern_raw]
            : [JSON.stringify(invalid.pattern), invalid.pattern ?? {}];

        for (const form of forms) {
          // Act + Assess
          expect(() => compileEventPattern(form)).toThrow(InvalidEventPatternError);
        }
      });
    }
  });
});
