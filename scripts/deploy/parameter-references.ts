// Which `/qdn/<stage>/…` SSM parameters a serverless.yml refers to, so a test can hold them against
// STAGE_PARAMETERS: a function that reads a parameter nobody creates fails only at run time in AWS.

/** Names after `/qdn/${sls:stage}/` in a serverless.yml (environment values, IAM resources…). */
export function referencedParameters(yaml: string): string[] {
  const names = [...yaml.matchAll(/\/qdn\/\$\{sls:stage\}\/([a-z0-9-]+)/g)].map((match) => match[1]!);
  return [...new Set(names)].sort();
}

/** Names a stack writes itself (an AWS::SSM::Parameter resource's `Name:`), which nobody has to set. */
export function parametersWrittenByStack(yaml: string): string[] {
  const names = [...yaml.matchAll(/^\s+Name:\s*\/qdn\/\$\{sls:stage\}\/([a-z0-9-]+)\s*$/gm)].map(
    (match) => match[1]!,
  );
  return [...new Set(names)].sort();
}

/** Referenced, not written by any stack, not in the list: what `npm run secrets` would never create. */
export function unlistedParameters(yamls: string[], listed: readonly string[]): string[] {
  const written = new Set(yamls.flatMap(parametersWrittenByStack));
  return [...new Set(yamls.flatMap(referencedParameters))]
    .filter((name) => !written.has(name) && !listed.includes(name))
    .sort();
}
