import { getParameter } from '@aws-lambda-powertools/parameters/ssm';

/**
 * How long a secret is kept in memory: a rotated value reaches warm functions within minutes, no deploy
 * (SECRET_MAX_AGE_SECONDS overrides it, e.g. a test cloud that rotates a secret).
 */
export const SECRET_MAX_AGE_SECONDS = Number(process.env.SECRET_MAX_AGE_SECONDS ?? 300);

/**
 * A SecureString from SSM, decrypted and cached for SECRET_MAX_AGE_SECONDS. An empty or missing value
 * is a configuration error naming the parameter.
 */
export async function secretParameter(name: string): Promise<string> {
  const value = await getParameter(name, { decrypt: true, maxAge: SECRET_MAX_AGE_SECONDS });
  if (!value) throw new Error(`Configuration error: SSM parameter ${name} is empty`);
  return value;
}

/** A SecureString holding JSON (an API key pair, a JWK), read as `secretParameter` reads, then parsed. */
export async function secretJsonParameter(name: string): Promise<unknown> {
  const value = await secretParameter(name);
  try {
    return JSON.parse(value);
  } catch {
    throw new Error(`Configuration error: SSM parameter ${name} is not JSON`);
  }
}
