import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/**
 * Runs `packaging` with a temporary directory of its own, given as TMPDIR to what it spawns, and removes
 * it afterwards. serverless-esbuild stages each function's zip in a folder under the temporary directory
 * and never removes it (a non-recursive remove of a full folder whose error it swallows:
 * floydspace/serverless-esbuild#589): every `npm run package` left a copy of every function's bundle
 * behind, 4.6 GB in /tmp on the machine where this was found.
 */
export async function withOwnTmpdir<T>(packaging: (env: NodeJS.ProcessEnv) => T | Promise<T>): Promise<T> {
  const scratch = mkdtempSync(join(tmpdir(), 'qdn-packaging-'));
  try {
    return await packaging({ ...process.env, TMPDIR: scratch });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
