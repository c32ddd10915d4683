import * as z from 'zod';

/** Raised at cold start when the function's environment is incomplete: the message names every missing variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads and validates the environment once, at module scope, so a misconfigured function fails on its
 * first cold start with a message naming what is missing instead of failing later, per request.
 *
 * @example
 * const config = loadConfig({ JOBS_TABLE: z.string().min(1), EVENT_BUS_NAME: z.string().min(1) });
 */
export function loadConfig<Shape extends z.ZodRawShape>(
  shape: Shape,
  env: Record<string, string | undefined> = process.env,
): z.infer<z.ZodObject<Shape>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map(function describeIssue(issue) {
    const name = issue.path.join('.');
    return env[name] === undefined ? `${name} is not set` : `${name} is invalid: ${issue.message}`;
  });
  throw new ConfigError(`Configuration error: ${problems.join('; ')}`);
}

/** A required, non-empty environment variable. */
export const requiredString = () => z.string().trim().min(1);
