import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { serviceCopy } from '../../scripts/deploy/releases.ts';
import { repoRoot } from '../../scripts/services.ts';

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
      // ${file(../../serverless.common.yml)} and ${file(../../scripts/osls-plugin/consumers.cjs)}
      expect(existsSync(join(copy.dir, '../../serverless.common.yml'))).toBe(true);
      expect(existsSync(join(copy.dir, '../../scripts/osls-plugin/consumers.cjs'))).toBe(true);
      expect(copy.dir.startsWith(join(repoRoot, '.cache/'))).toBe(true);
    } finally {
      copy.remove();
    }
    expect(existsSync(join(copy.dir, '../..'))).toBe(false);
  });
});
