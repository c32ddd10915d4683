import { describe, expect, it } from '@jest/globals';

describe('toolchain', () => {
  it('runs on the Node 24 the repo pins, not the machine Node', () => {
    expect(process.versions.node).toMatch(/^24\./);
  });
});
