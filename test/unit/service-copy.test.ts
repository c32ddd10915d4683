import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { serviceCopy } from '../../scripts/deploy/releases.ts';
import { repoRoot, serviceNames } from '../../scripts/services.ts';

const serviceYamls = () =>
  serviceNames()
    .map((service) => readFileSync(join(repoRoot, 'services', service, 'serverless.yml'), 'utf8'))
    .join('\n');

// `npm run deploy` packages each service from a copy, so that serverless (which empties the service's
// .serverless/) and serverless-esbuild (which builds in its .esbuild/) leave the service's folder alone.
describe('the copy a release is packaged from', () => {
  it('has what packaging reads, at the depth its serverless.yml counts on, and none of what it writes', () => {
    // Arrange
    const copy = serviceCopy(repoRoot, 'scc-bridge');

    try {
      // Assess
      expect(readdirSync(copy.dir).sort()).toEqual(['package.json', 'serverless.yml', 'src']);
      expect(existsSync(join(copy.dir, 'src/consumers.ts'))).toBe(true);
      // Every ${file(../../…)} a serverless.yml reads.
      const outside = new Set(
        [...serviceYamls().matchAll(/\$\{file\((\.\.\/\.\.\/[^):]+)\)/g)].map((match) => match[1]!),
      );
      expect(outside).toContain('../../node_modules/sharp/package.json');
      for (const path of outside) expect(existsSync(join(copy.dir, path))).toBe(true);
      expect(copy.dir.startsWith(join(repoRoot, '.cache/'))).toBe(true);
    } finally {
      copy.remove();
    }
    expect(existsSync(join(copy.dir, '../..'))).toBe(false);
  });
});
