/**
 * The JSONPath subset EventBridge evaluates in `InputPath` and `InputPathsMap`: `$`, dot members (with
 * dashes, slashes, ...), `['quoted member']`, array indexes and `*` wildcards.
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html
 */

type PathStep = { kind: 'member'; name: string } | { kind: 'index'; index: number } | { kind: 'wildcard' };

export interface CompiledJsonPath {
  readonly text: string;
  /** With a wildcard the result is the array of every match; otherwise the single value, if any. */
  select(root: unknown): { found: true; value: unknown } | { found: false };
}

/**
 * Compiles a path once per target; returns undefined when `path` is not in the supported syntax.
 * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Target.html#eventbridge-Type-Target-InputPath
 */
export function compileJsonPath(path: string): CompiledJsonPath | undefined {
  if (!path.startsWith('$')) return undefined;
  const steps: PathStep[] = [];
  let position = 1;
  while (position < path.length) {
    const char = path[position];
    if (char === '.') {
      const rest = path.slice(position + 1);
      if (rest.startsWith('*')) {
        steps.push({ kind: 'wildcard' });
        position += 2;
        continue;
      }
      const name = /^[^.[\]]+/.exec(rest)?.[0];
      if (name === undefined) return undefined;
      steps.push({ kind: 'member', name });
      position += 1 + name.length;
    } else if (char === '[') {
      const close = path.indexOf(']', position);
      if (close === -1) return undefined;
      const inside = path.slice(position + 1, close);
      if (inside === '*') steps.push({ kind: 'wildcard' });
      else if (/^\d+$/.test(inside)) steps.push({ kind: 'index', index: Number(inside) });
      else if (/^'[^']*'$/.test(inside) || /^"[^"]*"$/.test(inside)) {
        steps.push({ kind: 'member', name: inside.slice(1, -1) });
      } else return undefined;
      position = close + 1;
    } else {
      return undefined;
    }
  }
  const hasWildcard = steps.some((step) => step.kind === 'wildcard');
  return {
    text: path,
    select: function selectJsonPath(root: unknown) {
      const matches = collectMatches([root], steps);
      if (hasWildcard) return matches.length > 0 ? { found: true, value: matches } : { found: false };
      return matches.length === 1 ? { found: true, value: matches[0] } : { found: false };
    },
  };
}

function collectMatches(current: unknown[], steps: readonly PathStep[]): unknown[] {
  let values = current;
  for (const step of steps) {
    const next: unknown[] = [];
    for (const value of values) {
      if (step.kind === 'member') {
        if (isPlainObject(value) && Object.hasOwn(value, step.name)) next.push(value[step.name]);
      } else if (step.kind === 'index') {
        if (Array.isArray(value) && step.index < value.length) next.push(value[step.index]);
      } else if (Array.isArray(value)) {
        next.push(...value);
      } else if (isPlainObject(value)) {
        next.push(...Object.values(value));
      }
    }
    values = next;
  }
  return values;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
