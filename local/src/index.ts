export { matchEventPattern, compileEventPattern, InvalidEventPatternError } from './eventbridge/pattern.ts';
export { startLocalCloud, LOCAL_SECRETS, type LocalCloud, type LocalCloudOptions } from './cloud.ts';
