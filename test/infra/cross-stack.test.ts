import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { composeDependencies } from '../../scripts/deploy/releases.ts';
import { repoRoot, serviceNames, templatePath } from '../../scripts/services.ts';

// The stacks' exports and imports over what `npm run package` left, against serverless-compose.yml's
// order. The local cloud links stacks by name without CloudFormation, so only these rules stand between
// a stack that imports what no stack before it exports and a first deploy that rolls back.
interface Stack {
  exports: Set<string>;
  imports: unknown[];
}

function importsOf(value: unknown, found: unknown[] = []): unknown[] {
  if (Array.isArray(value)) for (const item of value) importsOf(item, found);
  else if (value && typeof value === 'object')
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Fn::ImportValue') found.push(inner);
      else importsOf(inner, found);
    }
  return found;
}

const stacks = new Map<string, Stack>(
  serviceNames().map((service) => {
    const template = JSON.parse(readFileSync(templatePath(service), 'utf8')) as {
      Outputs?: Record<string, { Export?: { Name?: unknown } }>;
    };
    const exports = Object.values(template.Outputs ?? {}).flatMap((output) =>
      typeof output.Export?.Name === 'string' ? [output.Export.Name] : [],
    );
    return [service, { exports: new Set(exports), imports: importsOf(template) }];
  }),
);
const dependsOn = composeDependencies(readFileSync(join(repoRoot, 'serverless-compose.yml'), 'utf8'));

/** Every service deployed before `service`: its dependsOn, and theirs. */
function deployedBefore(service: string, seen = new Set<string>()): Set<string> {
  for (const needed of dependsOn.get(service) ?? []) {
    if (seen.has(needed)) continue;
    seen.add(needed);
    deployedBefore(needed, seen);
  }
  return seen;
}

describe.each(serviceNames())('the packaged %s stack', (service) => {
  it('imports only what a stack deployed before it exports, never its own export', () => {
    const stack = stacks.get(service)!;
    const before = deployedBefore(service);
    const problems = stack.imports.flatMap((name) => {
      if (typeof name !== 'string')
        return [`an import CloudFormation resolves at deploy: ${JSON.stringify(name)}`];
      if (stack.exports.has(name)) return [`${name}: its own export (a first deploy finds no such export)`];
      const exporters = [...stacks].filter(([, other]) => other.exports.has(name)).map(([other]) => other);
      if (exporters.length === 0) return [`${name}: no stack exports it`];
      if (!exporters.some((exporter) => before.has(exporter)))
        return [
          `${name}: exported by ${exporters.join(', ')}, not deployed before ${service} (serverless-compose.yml dependsOn)`,
        ];
      return [];
    });
    expect([...new Set(problems)]).toEqual([]);
  });
});
