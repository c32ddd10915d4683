// Import boundaries (issue "Foundation" §3). `npm run lint` fails on any violation.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cross-service-imports',
      comment:
        'A service imports @qdn/shared and its own files, never another service: they talk over the bus.',
      severity: 'error',
      from: { path: '^services/([^/]+)/' },
      to: { path: '^services/', pathNot: '^services/$1/' },
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
      comment: 'Domain code has no AWS SDK or Twilio imports: it is unit-tested without them (STYLE.md).',
      severity: 'error',
      from: { path: '^services/[^/]+/src/domain/' },
      to: { path: 'node_modules/(@aws-sdk|twilio)/' },
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
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(\\.serverless|\\.qdn|\\.cache|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
