// osls calls this while it reads a service's serverless.yml, e.g.
//   functions: [ "${file(../../scripts/osls-plugin/consumers.cjs):functions}", { …the service's own… } ]
// It loads the service's declarations (src/consumers.ts, run from the service's folder as osls is) and
// returns their infrastructure (consumers.ts). Node 24 requires the TypeScript ES modules directly.
'use strict';

const { join, basename } = require('node:path');

module.exports = () => {
  const { consumerInfrastructure } = require('./consumers.ts');
  const { consumers } = require(join(process.cwd(), 'src', 'consumers.ts'));
  return consumerInfrastructure(basename(process.cwd()), consumers);
};
