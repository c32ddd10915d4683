// Three kinds of test, run in this order by `npm test` (scripts/test.ts):
//   unit         pure code, no I/O beyond the file system
//   infra        the packaged CloudFormation of every service (needs `npm run package` first)
//   integration  a service, or the whole system, against the local cloud
// TypeScript is transformed by swc (type-only work is `npm run typecheck`'s job), ESM throughout.
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2024' },
      module: { type: 'es6' },
      sourceMaps: 'inline',
    },
  ],
};

const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform,
  modulePathIgnorePatterns: ['<rootDir>/.*/\\.serverless/', '<rootDir>/\\.qdn/'],
};

export default {
  // A global option (jest ignores it per project): integration tests cold-start functions in the
  // local cloud, which takes more than jest's default 5 s on a 2-core machine.
  testTimeout: 60_000,
  // Jest gives a worker 500 ms to exit once its suites are done, then kills it and prints "A worker
  // process has failed to exit gracefully". Measured on every full integration run that printed it: the
  // workers reached 'exit' 66 and 143 ms after jest's request with nothing open but their stdio, and
  // were gone 0.3-0.5 s after it, the rest spent tearing the process down on the two busy cores.
  // Nothing leaks; 3 s lets them finish, and a real leak still shows after that.
  workerGracefulExitTimeout: 3000,
  // Longest suites first, also on a fresh clone that has no timings cached (see the file).
  testSequencer: '<rootDir>/test/sequencer.js',
  // The coverage gate `npm test` runs the unit project under (`--coverage`): the services' domain code is
  // pure and unit-tested (STYLE.md), and stays at least 90% covered in lines and branches. Files with no
  // code after type stripping (type-only ports) count for nothing. scripts/test.ts prints the figures.
  collectCoverageFrom: ['services/*/src/domain/**/*.ts'],
  coverageThreshold: { global: { lines: 90, branches: 90 } },
  coverageReporters: ['text-summary', 'json-summary'],
  coverageDirectory: '.cache/coverage',
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{shared,services/*,local,test}/**/unit/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'infra',
      testMatch: ['<rootDir>/test/infra/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      // The topology every suite's cloud reads, resolved once before the first suite, the handlers'
      // bundles and the DynamoDB Local every suite's cloud shares (see the files).
      globalSetup: '<rootDir>/test/integration-setup.ts',
      globalTeardown: '<rootDir>/test/integration-teardown.ts',
      // Browser tests (Playwright driving Chromium) are integration tests of the pages on the local cloud.
      testMatch: [
        '<rootDir>/{shared,services/*,local,test}/**/integration/**/*.test.ts',
        '<rootDir>/services/*/test/browser/**/*.test.ts',
      ],
    },
  ],
};
