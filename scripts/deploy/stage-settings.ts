// A stage's own settings (/qdn/<stage>/settings, entered with `npm run secrets`): what every template of
// that stage is packaged with, each key passed to `serverless package` as `--param key=value`. Checked
// when `npm run secrets` writes them and again by the deploy preflight, so no serverless.yml default
// (https://scc.invalid, the production API and console) ever reaches an AWS stage by omission.
import { STAGE_PARAMETERS } from '@qdn/shared/stage-parameters';
import * as z from 'zod';

const parsedUrl = (value: string) => {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
};

const required = (what: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? 'is not set' : `must be ${what}`) });

/** An https URL whose host is real (not a `.invalid` placeholder), without a trailing slash. */
const isBaseUrl = (value: string) => {
  const url = parsedUrl(value);
  return (
    url?.protocol === 'https:' &&
    !url.username &&
    !url.password &&
    !url.search &&
    !url.hash &&
    !/(^|\.)(invalid|localhost)$/.test(url.hostname) &&
    !value.endsWith('/')
  );
};
/** An https origin: scheme and host only (what CORS, a CSP and Cognito's callbacks compare). */
const isOrigin = (value: string) => isBaseUrl(value) && parsedUrl(value)!.origin === value;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const list = (value: string) => value.split(',').map((item) => item.trim());

const baseUrl = required('an https:// URL').refine(isBaseUrl, {
  error: 'must be an https:// URL of a real host, without a trailing slash',
});
const origin = required('an https:// origin').refine(isOrigin, {
  error: 'must be an https:// origin (scheme and host, no path or trailing slash)',
});
const origins = required('https:// origins').refine((value) => list(value).every(isOrigin), {
  error: 'must be https:// origins (scheme and host), comma-separated',
});
const domainNames = z.string().refine((value) => list(value).every((name) => HOSTNAME.test(name)), {
  error: 'must be domain names, comma-separated (e.g. track.quickdumpnow.com)',
});
// CloudFront takes certificates from us-east-1 only (the stacks' own AllowedPattern says the same).
const certificateArn = z.string().regex(/^arn:aws[a-zA-Z-]*:acm:us-east-1:\d{12}:certificate\/.+$/, {
  error: 'must be an ACM certificate ARN in us-east-1 (CloudFront reads certificates from there only)',
});

export const StageSettings = z
  .strictObject({
    apiBaseUrl: origin,
    sccApiBaseUrl: baseUrl,
    consoleBaseUrl: origin,
    photoOrigins: origins,
    calendarApiBaseUrl: baseUrl.optional(),
    siteDefaultBrandId: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, { error: 'must be a brand id (lower-case letters, digits, -)' })
      .optional(),
    // Cognito's rule for a domain prefix (and it refuses "aws", "amazon" and "cognito" in one).
    staffAuthDomainPrefix: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, { error: 'must be a Cognito domain prefix' })
      .refine((value) => !/aws|amazon|cognito/.test(value), {
        error: 'must not contain aws, amazon or cognito (Cognito refuses it)',
      })
      .optional(),
    siteDomainNames: domainNames.optional(),
    siteCertificateArn: certificateArn.optional(),
    consoleDomainNames: domainNames.optional(),
    consoleCertificateArn: certificateArn.optional(),
  })
  .superRefine((settings, context) => {
    // A distribution gets its domains with their certificate, or neither (the stacks ignore one alone).
    for (const which of ['site', 'console'] as const) {
      const names = settings[`${which}DomainNames`];
      const arn = settings[`${which}CertificateArn`];
      if (names && !arn)
        context.addIssue({
          code: 'custom',
          path: [`${which}CertificateArn`],
          message: `is not set: ${which}DomainNames need their certificate`,
        });
      if (arn && !names)
        context.addIssue({
          code: 'custom',
          path: [`${which}DomainNames`],
          message: `is not set: ${which}CertificateArn is only used with the domains it covers`,
        });
    }
  });
export type StageSettings = z.infer<typeof StageSettings>;

/** The environment variable `npm run secrets` reads a setting from. */
const envOf = (key: string): string | undefined => {
  const parameter = STAGE_PARAMETERS.find((candidate) => candidate.name === 'settings');
  if (parameter?.source.kind !== 'entered') return undefined;
  return parameter.source.fields.find((field) => field.key === key)?.env;
};

/** The settings, or each reason they are not usable, naming the setting and its variable. */
export function parseStageSettings(
  value: string,
): { settings: StageSettings; problems?: undefined } | { settings?: undefined; problems: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return { problems: ['is not JSON'] };
  }
  const parsed = StageSettings.safeParse(json);
  if (parsed.success) return { settings: parsed.data };
  return {
    problems: parsed.error.issues.flatMap((issue) => {
      if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${key} is not a setting`);
      const key = String(issue.path[0] ?? '');
      if (!key) return [issue.message];
      const env = envOf(key);
      return [`${key}${env ? ` (${env})` : ''} ${issue.message}`];
    }),
  };
}

/** The settings as `serverless package` params (`key=value`). */
export const settingsParams = (settings: StageSettings): string[] =>
  Object.entries(settings)
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([key, value]) => `${key}=${value}`);
