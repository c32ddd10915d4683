// Import boundaries (issue "Foundation" §3). `npm run lint` fails on any violation.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cross-service-imports',
      comment:
        'A service imports @qdn/shared and its own files, never another service: they talk over the bus.',
      severity: 'error',
      from: { path: '^services/([^/]+)/', pathNot: '^services/console/' },
      to: { path: '^services/', pathNot: '^services/$1/' },
    },
    {
      name: 'console-reads-api-types-only',
      comment:
        "The console (a browser app) takes the API's request and record types from the services, type-only: " +
        "nothing of theirs is bundled. Its tests check its requests against the services' zod schemas.",
      severity: 'error',
      from: { path: '^services/console/src/' },
      to: {
        path: '^services/(?!console/)',
        // Pure modules with no imports at run time: the status machine (the console shows the moves it
        // allows) and the calendar ids (which crew and trailer calendars a job is on).
        pathNot: '^services/(jobs/src/domain/status-machine|calendar/src/domain/calendar-ids)\\.ts$',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'shared-imports-no-service',
      comment: '@qdn/shared is what services have in common; it must not know any of them.',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: '^services/' },
    },
    {
      name: 'deployed-code-imports-no-local-cloud',
      comment: 'local/ is the local cloud (dev and tests only); nothing deployed may depend on it.',
      severity: 'error',
      from: { path: '^(services|shared)/[^/]+/src/|^shared/src/' },
      to: { path: '^local/' },
    },
    {
      name: 'domain-is-pure',
      comment:
        'Domain code reaches no AWS SDK, Twilio, sharp or AWS-calling Powertools utility, directly or through ' +
        'any chain of imports (a @qdn/shared module included): it is unit-tested without them (STYLE.md), ' +
        'and a handler loads only the clients its adapters create. The Powertools logger writes to stdout ' +
        'and is allowed.',
      severity: 'error',
      from: { path: '^services/[^/]+/src/domain/' },
      to: {
        path: 'node_modules/(@aws-sdk|@smithy|twilio|sharp|@aws-lambda-powertools/(parameters|batch|metrics|tracer|idempotency))/',
        reachable: true,
      },
    },
    {
      name: 'no-deferred-imports',
      comment:
        'Deployed code loads what its first request needs at init: an `await import()` would only move the ' +
        'cold start into the first call (and hide it from npm run bench:coldstart).',
      severity: 'error',
      from: { path: '^(services/[^/]+/src|shared/src)/' },
      to: { dependencyTypes: ['dynamic-import'] },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every import resolves (aws-lambda is types only, provided by @types/aws-lambda).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, pathNot: '^aws-lambda$' },
    },
  ],
  options: {
    // Packages stay in the graph as leaves (not followed): the domain rule needs to see them.
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(\\.serverless|\\.qdn|\\.cache)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
