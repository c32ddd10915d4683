// The public EventBridge conformance vectors (../shared/conformance/eventbridge, in the steering folder
// beside the repository, here and in the CI clone).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

// The repository has a `shared/` workspace of its own, so walk up to the first `shared/conformance/eventbridge`.
function conformanceDirectory(): string {
  let directory = dirname(fileURLToPath(new URL('.', import.meta.url)));
  for (;;) {
    const candidate = join(directory, 'shared', 'conformance', 'eventbridge');
    if (existsSync(join(candidate, 'vectors.json'))) return candidate;
    const parent = dirname(directory);
    if (parent === directory)
      throw new Error('shared/conformance/eventbridge not found beside the repository');
    directory = parent;
  }
}

function load<T>(name: string): T {
  return JSON.parse(readFileSync(join(conformanceDirectory(), name), 'utf8')) as T;
}

export const vectors = load<Vector[]>('vectors.json');
export const invalidPatterns = load<InvalidPattern[]>('invalid_patterns.json');

/** The pattern as JSON text: the raw text when the case has one (it carries what parsing loses). */
export const patternText = (item: { pattern?: object; pattern_raw?: string }) =>
  item.pattern_raw ?? JSON.stringify(item.pattern);
export const eventText = (vector: Vector) => vector.event_raw ?? JSON.stringify(vector.event);
