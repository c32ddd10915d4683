export { LOCAL_SECRETS, type LocalCloud, type LocalCloudOptions, startLocalCloud } from './cloud.ts';
export { compileEventPattern, InvalidEventPatternError, matchEventPattern } from './eventbridge/pattern.ts';
