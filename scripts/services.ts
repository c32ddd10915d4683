import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in scripts/). */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** Every deployable service: a folder under services/ with a serverless.yml. */
export function serviceNames(): string[] {
  return readdirSync(new URL('../services', import.meta.url), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .filter((entry) =>
      readdirSync(new URL(`../services/${entry.name}`, import.meta.url)).includes('serverless.yml'),
    )
    .map((entry) => entry.name)
    .sort();
}

/** Where `serverless package` leaves a service's CloudFormation template. */
export function templatePath(service: string): string {
  return fileURLToPath(
    new URL(`../services/${service}/.serverless/cloudformation-template-update-stack.json`, import.meta.url),
  );
}
