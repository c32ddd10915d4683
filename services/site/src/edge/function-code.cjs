// serverless.yml takes the CloudFront Function's code from here: `${file()}` loads a .js file as a
// module and uses what it exports, but the function is a script, so its source goes in as text.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

module.exports = () => readFileSync(join(__dirname, 'rewrite.js'), 'utf8');
