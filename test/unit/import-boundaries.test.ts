import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { cruise } from 'dependency-cruiser';

// The same rules `npm run lint` enforces, run over a small fixture tree shaped like the repo, with
// one file per kind of violation.
const require = createRequire(import.meta.url);
const config = require('../../.dependency-cruiser.cjs') as {
  forbidden: unknown[];
  options: Record<string, unknown>;
};
const fixtureRoot = fileURLToPath(new URL('../fixtures/boundaries', import.meta.url));

async function violationsIn(): Promise<{ from: string; to: string; rule: string }[]> {
  const { tsConfig: _tsConfig, ...options } = config.options;
  const result = await cruise(['services', 'shared', 'local'], {
    ...options,
    baseDir: fixtureRoot,
    validate: true,
    ruleSet: { forbidden: config.forbidden },
  } as never);
  const output = result.output as {
    summary: { violations: { from: string; to: string; rule: { name: string } }[] };
  };
  return output.summary.violations.map((violation) => ({
    from: violation.from,
    to: violation.to,
    rule: violation.rule.name,
  }));
}

describe('import boundaries', () => {
  it('given imports across services, from shared, into local/ and deferred with import(), when cruised, then each is a violation', async () => {
    // Act
    const violations = await violationsIn();

    // Assess
    expect(violations).toEqual(
      expect.arrayContaining([
        {
          from: 'services/media/src/handlers/reaches-into-jobs.ts',
          to: 'services/jobs/src/domain/job.ts',
          rule: 'no-cross-service-imports',
        },
        {
          from: 'shared/src/knows-a-service.ts',
          to: 'services/jobs/src/domain/job.ts',
          rule: 'shared-imports-no-service',
        },
        {
          from: 'services/media/src/handlers/uses-local-cloud.ts',
          to: 'local/src/fakes.ts',
          rule: 'deployed-code-imports-no-local-cloud',
        },
        {
          from: 'services/media/src/handlers/defers-imports.ts',
          to: 'services/media/src/domain/photo-names.ts',
          rule: 'no-deferred-imports',
        },
      ]),
    );
  });

  it('given domain code that reaches the AWS SDK through other modules, when cruised, then each domain file on the path is a violation', async () => {
    // Act
    const violations = await violationsIn();

    // Assess: photo-rules reaches it through a shared module, photo-captions through photo-rules too
    const domainViolations = violations.filter((violation) => violation.rule === 'domain-is-pure');
    expect(domainViolations).toEqual([
      {
        from: 'services/media/src/domain/photo-captions.ts',
        to: expect.stringMatching(/node_modules\/@aws-sdk\/client-dynamodb\//),
        rule: 'domain-is-pure',
      },
      {
        from: 'services/media/src/domain/photo-rules.ts',
        to: expect.stringMatching(/node_modules\/@aws-sdk\/client-dynamodb\//),
        rule: 'domain-is-pure',
      },
    ]);
  });

  it('given an import within one service, or domain code using a pure shared module, when cruised, then it is allowed', async () => {
    const violations = await violationsIn();
    const allowed = ['services/jobs/src/domain/fine.ts', 'services/media/src/domain/photo-names.ts'];
    expect(violations.filter((violation) => allowed.includes(violation.from))).toEqual([]);
    expect(violations).toHaveLength(6);
  });
});
