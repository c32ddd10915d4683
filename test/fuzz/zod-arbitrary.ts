// Request inputs for the fuzz suite, derived from the zod schemas the handlers validate with: values the
// schema should accept (a biased generator — the schema itself, not this file, decides what is valid),
// near-valid values (one field broken, dropped or added) and hostile ones (wrong types, `__proto__`, deep
// nesting, huge strings, odd unicode).
import fc from 'fast-check';
import type * as z from 'zod';

/** Arbitraries that replace the derived one for a schema (by identity), e.g. phone numbers. */
export type SchemaHints = ReadonlyMap<z.ZodType, fc.Arbitrary<unknown>>;

interface CheckDef {
  check: string;
  format?: string;
  pattern?: RegExp;
  minimum?: number;
  maximum?: number;
  value?: number;
  inclusive?: boolean;
}

interface SchemaDef {
  type: string;
  checks?: { _zod: { def: CheckDef } }[];
  format?: string;
  pattern?: RegExp;
  coerce?: boolean;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  element?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  values?: unknown[];
  entries?: Record<string, string | number>;
  options?: z.ZodType[];
  keyType?: z.ZodType;
  valueType?: z.ZodType;
}

const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
const checksOf = (def: SchemaDef) => (def.checks ?? []).map((check) => check._zod.def);

const DAY_MS = 86_400_000;
/** Days around today: most inputs are dates someone could mean, a few are far out. */
const isoDay = fc
  .oneof(
    { weight: 8, arbitrary: fc.integer({ min: -3, max: 40 }) },
    { weight: 1, arbitrary: fc.integer({ min: -40_000, max: 40_000 }) },
  )
  .map((offset) => new Date(Date.now() + offset * DAY_MS).toISOString().slice(0, 10));
/** Plain addresses: fast-check's RFC 5322 ones include forms zod (rightly, for a form) refuses. */
const email = fc
  .tuple(
    fc.stringMatching(/^[a-z0-9._]{1,20}$/),
    fc.stringMatching(/^[a-z0-9]{1,20}$/),
    fc.constantFrom('com', 'org', 'co.uk'),
  )
  .map(([local, domain, tld]) => `${local.replace(/^\.|\.$/g, 'x').replace(/\.\./g, '.x')}@${domain}.${tld}`);
const isoDateTime = fc
  .integer({ min: -10 * DAY_MS, max: DAY_MS })
  .map((offset) => new Date(Date.now() + offset).toISOString());

function stringArbitrary(def: SchemaDef): fc.Arbitrary<string> {
  const checks = checksOf(def);
  const min = Math.max(0, ...checks.filter((c) => c.check === 'min_length').map((c) => c.minimum ?? 0));
  const max = Math.min(...checks.filter((c) => c.check === 'max_length').map((c) => c.maximum ?? 1e9), 1e9);
  const format = def.format ?? checks.find((c) => c.check === 'string_format')?.format;
  const pattern = def.pattern ?? checks.find((c) => c.check === 'string_format')?.pattern;
  let base: fc.Arbitrary<string>;
  if (format === 'date') base = isoDay;
  else if (format === 'datetime') base = isoDateTime;
  else if (format === 'email') base = email;
  else if (format === 'url') base = fc.webUrl();
  else if (format === 'uuid' || format === 'guid') base = fc.uuid();
  else if (pattern) base = fc.stringMatching(pattern);
  else base = fc.string({ minLength: Math.min(min, 60), maxLength: Math.min(Math.max(max, min), 60) });
  return base.map((value) => (value.length > max ? value.slice(0, max) : value));
}

function numberArbitrary(def: SchemaDef): fc.Arbitrary<number> {
  const checks = checksOf(def);
  const integer = checks.some((c) => c.check === 'number_format' && /int/.test(c.format ?? ''));
  const lows = checks.filter((c) => c.check === 'greater_than').map((c) => c.value ?? 0);
  const highs = checks.filter((c) => c.check === 'less_than').map((c) => c.value ?? 0);
  const min = lows.length ? Math.max(...lows) : -1_000_000;
  const max = highs.length ? Math.min(...highs) : 1_000_000;
  return integer
    ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) })
    : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

/** Whether an object key may be left out. */
function isOptionalKey(schema: z.ZodType): boolean {
  const { type } = defOf(schema);
  return type === 'optional' || type === 'default' || type === 'prefault' || type === 'catch';
}

/**
 * A generator of values the schema is meant to accept. Refinements are not modelled, so a few values
 * are still refused (a date range the wrong way round): callers classify with `schema.safeParse`.
 */
export function arbitraryFor(schema: z.ZodType, hints: SchemaHints = new Map()): fc.Arbitrary<unknown> {
  const hinted = hints.get(schema);
  if (hinted) return hinted;
  const def = defOf(schema);
  const inner = (next: z.ZodType) => arbitraryFor(next, hints);
  switch (def.type) {
    case 'string':
      return stringArbitrary(def);
    case 'number':
      return def.coerce ? numberArbitrary(def).map(String) : numberArbitrary(def);
    case 'boolean':
      return fc.boolean();
    case 'literal':
      return fc.constantFrom(...(def.values ?? [null]));
    case 'enum':
      return fc.constantFrom(...Object.values(def.entries ?? {}));
    case 'null':
      return fc.constant(null);
    case 'array': {
      const checks = checksOf(def);
      const minLength = Math.max(
        0,
        ...checks.filter((c) => c.check === 'min_length').map((c) => c.minimum ?? 0),
      );
      const maxLength = Math.min(
        5,
        ...checks.filter((c) => c.check === 'max_length').map((c) => c.maximum ?? 5),
      );
      return fc.array(inner(def.element!), { minLength, maxLength: Math.max(minLength, maxLength) });
    }
    case 'object': {
      const shape = def.shape ?? {};
      const keys = Object.keys(shape);
      return fc.record(Object.fromEntries(keys.map((key) => [key, inner(shape[key]!)])), {
        requiredKeys: keys.filter((key) => !isOptionalKey(shape[key]!)),
      });
    }
    case 'record':
      return fc.dictionary(inner(def.keyType!) as fc.Arbitrary<string>, inner(def.valueType!), {
        maxKeys: 6,
      });
    case 'optional':
      return fc.option(inner(def.innerType!), { nil: undefined, freq: 4 });
    case 'nullable':
      return fc.option(inner(def.innerType!), { nil: null, freq: 4 });
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
    case 'nonoptional':
      return inner(def.innerType!);
    case 'pipe':
      // z.preprocess(fn, schema) is a pipe from a transform: what it must end up as is the schema's.
      return (def.in as { _zod?: { def?: { type?: string } } })?._zod?.def?.type === 'transform'
        ? inner(def.out!)
        : inner(def.in!);
    case 'union':
      return fc.oneof(...(def.options ?? []).map(inner));
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** A JSON object with `__proto__` as an own key, as `JSON.parse` makes it (assignment would set the prototype). */
export function withOwnKey(target: Record<string, unknown>, key: string, value: unknown) {
  const copy: Record<string, unknown> = {};
  for (const [name, existing] of Object.entries(target)) Object.defineProperty(copy, name, own(existing));
  Object.defineProperty(copy, key, own(value));
  return copy;
}
const own = (value: unknown) => ({ value, enumerable: true, writable: true, configurable: true });

/** `depth` arrays inside each other: `[[[…]]]`. */
export function nestedArrays(depth: number): unknown {
  let value: unknown = [];
  for (let level = 1; level < depth; level++) value = [value];
  return value;
}

/** Strings no form field should take at face value. */
export const oddStrings = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  '\u202eevil',
  '\ud800',
  '\ufeff+16195550142',
  '１２３４５６７８９０',
  '٠١٢٣٤٥٦٧٨٩',
  '+1 619 555 0142;ext=12',
  '+1900 555 0199',
  'e\u0301\u0301\u0301',
  '😀'.repeat(40),
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '$' + '{jndi:ldap://x}',
  '../../etc/passwd',
  '%00%2F%2e%2e',
  'constructor',
  '__proto__',
  '9999-12-31',
  '0000-00-00',
  '2026-02-30',
  'NaN',
  'Infinity',
  '-1',
  '1e309',
);

/** One value of any JSON type, from the everyday to the hostile. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, -0, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, [], {}),
  oddStrings,
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer({ min: 1_000, max: 20_000 }).map((length) => 'x'.repeat(length)),
  fc.integer({ min: 2, max: 400 }).map(nestedArrays),
  fc.constant(JSON.parse('{"__proto__":{"admin":true,"roles":["admin"]}}')),
  fc.constant({ constructor: { prototype: { admin: true } } }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Every path to a value inside `value` (object keys, array indexes), the root first. */
function pathsOf(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []) {
  out.push(prefix);
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) pathsOf(item, [...prefix, index], out);
  } else if (value && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) pathsOf(item, [...prefix, key], out);
  return out;
}

type Mutation =
  | { kind: 'replace'; value: unknown }
  | { kind: 'drop' }
  | { kind: 'add'; key: string; value: unknown }
  | { kind: 'wrap' };

function applyAt(value: unknown, path: (string | number)[], mutation: Mutation): unknown {
  if (path.length === 0) {
    if (mutation.kind === 'replace') return mutation.value;
    if (mutation.kind === 'wrap') return [value];
    if (mutation.kind === 'add' && value && typeof value === 'object' && !Array.isArray(value))
      return withOwnKey(value as Record<string, unknown>, mutation.key, mutation.value);
    return mutation.kind === 'drop' ? undefined : value;
  }
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = [...value];
    const next = applyAt(copy[head as number], rest, mutation);
    if (next === undefined) copy.splice(head as number, 1);
    else copy[head as number] = next;
    return copy;
  }
  const record = value as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(record)) {
    if (key !== head) Object.defineProperty(copy, key, own(item));
    else {
      const next = applyAt(item, rest, mutation);
      if (next !== undefined) Object.defineProperty(copy, key, own(next));
    }
  }
  return copy;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: hostileValue.map((value): Mutation => ({ kind: 'replace', value })) },
  { weight: 2, arbitrary: fc.constant<Mutation>({ kind: 'drop' }) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom('__proto__', 'constructor', 'extra', 'isAdmin', 'status', 'jobId'), hostileValue)
      .map(([key, value]): Mutation => ({ kind: 'add', key, value })),
  },
  { weight: 1, arbitrary: fc.constant<Mutation>({ kind: 'wrap' }) },
);

/** A valid-looking value with one thing wrong: a field replaced by a hostile value, dropped, added or wrapped. */
export function nearValid(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.tuple(valid, fc.nat(), mutation).map(([value, pick, change]) => {
    const paths = pathsOf(value);
    return applyAt(value, paths[pick % paths.length]!, change);
  });
}
