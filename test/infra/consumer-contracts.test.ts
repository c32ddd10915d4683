import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { matchEventPattern } from '@qdn/local-cloud/eventbridge/pattern';
import type { ConsumerDeclaration } from '@qdn/shared/consumers';
import { EVENT_CATALOG } from '@qdn/shared/events';
import fc from 'fast-check';
import type * as z from 'zod';
import { pascalCase } from '../../scripts/osls-plugin/consumers.ts';
import { repoRoot, templatePath } from '../../scripts/services.ts';
import { arbitraryFor } from '../fuzz/zod-arbitrary.ts';
import type { Template } from './checks.ts';

// The contract between the bus and each consumer, from the consumer's one declaration: its packaged rule
// (what `npm run package` left in .serverless/) takes a sample event of every schema it declares, and no
// event of any other schema on the bus. Samples are generated from the schemas themselves (the fuzz
// suite's zod arbitraries) and must parse, so a rule and a schema can't drift apart unnoticed.
const SERVICES = ['calendar', 'jobs', 'media', 'notifications', 'scc-bridge'];

/** One valid detail of the schema: generated, and checked by the schema itself. */
function sampleOf(schema: z.ZodType, seed: number): unknown {
  const candidates = fc.sample(arbitraryFor(schema), { numRuns: 50, seed });
  const valid = candidates.find((candidate) => schema.safeParse(candidate).success);
  if (valid === undefined) throw new Error('no valid sample generated');
  return valid;
}

const catalog = Object.entries(EVENT_CATALOG).flatMap(([source, types], sourceIndex) =>
  Object.entries(types as Record<string, z.ZodType>).map(([detailType, schema], typeIndex) => ({
    source,
    detailType,
    event: {
      version: '0',
      id: `contract-${sourceIndex}-${typeIndex}`,
      'detail-type': detailType,
      source,
      account: '123456789012',
      time: '2026-12-04T12:00:00Z',
      region: 'us-west-2',
      resources: [],
      detail: sampleOf(schema, 17 + sourceIndex * 100 + typeIndex),
    },
  })),
);

const busConsumers = await Promise.all(
  SERVICES.map(async (service) => {
    const template = JSON.parse(readFileSync(templatePath(service), 'utf8')) as Template;
    const { consumers } = (await import(join(repoRoot, 'services', service, 'src', 'consumers.ts'))) as {
      consumers: ConsumerDeclaration[];
    };
    return consumers.flatMap((consumer) =>
      'bus' in consumer.from ? [{ service, consumer, bus: consumer.from.bus, template }] : [],
    );
  }),
).then((perService) => perService.flat());

it('has samples for every schema on the bus and consumers to check', () => {
  expect(catalog.length).toBeGreaterThan(20);
  expect(busConsumers.length).toBeGreaterThan(5);
});

const isAbsence = (value: unknown) =>
  typeof value === 'object' && value !== null && (value as { exists?: unknown }).exists === false;
const isPresence = (value: unknown) =>
  typeof value === 'object' && value !== null && (value as { exists?: unknown }).exists === true;

/**
 * The event with its detail made to satisfy (or, with `value`, to miss) a declared content filter such
 * as `{ data: { job: { serviceType: ['charter'] } } }`: each leaf list's first value, set into the detail.
 */
function withFilter(
  event: (typeof catalog)[number]['event'],
  filter: Record<string, unknown>,
  value: (allowed: unknown) => unknown = (allowed) => allowed,
) {
  const detail = structuredClone(event.detail) as Record<string, unknown>;
  const apply = (target: Record<string, unknown>, pattern: Record<string, unknown>) => {
    for (const [key, rule] of Object.entries(pattern)) {
      if (Array.isArray(rule)) {
        const chosen = value(rule[0]);
        // `[{ exists: false }]` is satisfied by leaving the field out (and missed by any value);
        // `[{ exists: true }]` by any value (and missed by leaving it out).
        if (isAbsence(chosen)) delete target[key];
        else if (isPresence(chosen)) target[key] = 'present';
        else target[key] = chosen;
      } else {
        const inner = (typeof target[key] === 'object' && target[key] !== null ? target[key] : {}) as Record<
          string,
          unknown
        >;
        target[key] = inner;
        apply(inner, rule as Record<string, unknown>);
      }
    }
  };
  apply(detail, filter);
  return { ...event, detail };
}

describe.each(busConsumers.map((entry) => [`${entry.service}/${entry.consumer.name}`, entry] as const))(
  'the rule of %s',
  (_, { consumer, bus, template }) => {
    const pattern = template.Resources[`${pascalCase(consumer.name)}Rule`]?.Properties?.EventPattern;
    const takes = (source: string, detailType: string) =>
      (bus.source === 'qdn.*' ? source.startsWith('qdn.') : source === bus.source) &&
      (bus.detailTypes === undefined || (bus.detailTypes as readonly string[]).includes(detailType));

    const filter = (bus as { detail?: Record<string, unknown> }).detail;
    const sample = (event: (typeof catalog)[number]['event']) => (filter ? withFilter(event, filter) : event);

    it('takes a sample of every event it declares and nothing else on the bus', () => {
      expect(pattern).toBeDefined();
      const taken = catalog.filter(({ event }) => matchEventPattern(pattern as object, sample(event)));
      const declared = catalog.filter(({ source, detailType }) => takes(source, detailType));
      expect(taken.map(({ source, detailType }) => `${source} ${detailType}`)).toEqual(
        declared.map(({ source, detailType }) => `${source} ${detailType}`),
      );
      expect(declared.length).toBeGreaterThan(0);
    });

    if (filter) {
      it('leaves out a declared event that misses its content filter', () => {
        const missing = catalog
          .filter(({ source, detailType }) => takes(source, detailType))
          .map(({ event }) =>
            withFilter(event, filter, (allowed) =>
              isPresence(allowed) ? { exists: false } : `not-${String(allowed)}`,
            ),
          );
        expect(missing.filter((event) => matchEventPattern(pattern as object, event))).toEqual([]);
      });
    }
  },
);
