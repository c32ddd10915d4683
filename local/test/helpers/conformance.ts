// The public EventBridge conformance vectors, kept in the repository (local/test/conformance/eventbridge,
// byte for byte as published there, with its README naming each case's source) so a fresh clone anywhere
// runs them: they used to be read from a folder beside the repository, which a clone in CI lacks.
import { readFileSync } from 'node:fs';

export interface Vector {
  readonly id: string;
  readonly source: string;
  readonly pattern: object;
  readonly event: object;
  readonly matches: boolean;
  readonly pattern_raw?: string;
  readonly event_raw?: string;
}

export interface InvalidPattern {
  readonly id: string;
  readonly source: string;
  readonly pattern?: object;
  readonly pattern_raw?: string;
}

const conformanceDirectory = new URL('../conformance/eventbridge/', import.meta.url);

function load<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, conformanceDirectory), 'utf8')) as T;
}

export const vectors = load<Vector[]>('vectors.json');
export const invalidPatterns = load<InvalidPattern[]>('invalid_patterns.json');

/** The pattern as JSON text: the raw text when the case has one (it carries what parsing loses). */
export const patternText = (item: { pattern?: object; pattern_raw?: string }) =>
  item.pattern_raw ?? JSON.stringify(item.pattern);
export const eventText = (vector: Vector) => vector.event_raw ?? JSON.stringify(vector.event);
