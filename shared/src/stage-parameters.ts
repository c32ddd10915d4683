// Every SSM parameter a stage needs before its functions can work, in one list. Three things read it:
// `npm run secrets` (creates or updates them in AWS), the deploy preflight (refuses a stage where any
// is missing, before CloudFormation starts) and the local cloud's SSM fake (local values for each), so
// the three cannot drift apart. A test checks that every `/qdn/${sls:stage}/…` name a serverless.yml
// refers to is in this list. Data only: nothing here is bundled into a function.

/** Where a parameter's value comes from when `npm run secrets` sets it. */
export type ParameterSource =
  /** Typed by the operator: from the environment variables named, or else asked for at a prompt. */
  | { kind: 'entered'; fields: readonly EnteredField[] }
  /** Made by the command (random secrets, key pairs) the first time; kept on later runs unless rotated. */
  | { kind: 'generated'; generator: 'tracking-grant-key-pair' | 'random-32-bytes' };

export interface EnteredField {
  /** The key in a JSON value (a parameter with several fields), or undefined for a plain value. */
  key?: string;
  /** The environment variable `npm run secrets` reads it from. */
  env: string;
  /** What to type at the prompt, in an operator's words. */
  prompt: string;
  /** Hidden while typed. */
  secret: boolean;
  /** A value the field must look like (checked before anything is written). */
  pattern?: RegExp;
  /** The value is a path to a file to read (never one inside the repository). */
  file?: boolean;
  /** May be left out (a JSON value's key then absent); the others are still written whole or not at all. */
  optional?: boolean;
}

export interface StageParameter {
  /** The part after `/qdn/<stage>/`. */
  name: string;
  type: 'String' | 'SecureString';
  /** What it is and who reads it. */
  description: string;
  source: ParameterSource;
  /** Set together with another (a key pair): the partner's name. */
  pairedWith?: string;
}

export const STAGE_PARAMETERS: readonly StageParameter[] = [
  {
    name: 'brands',
    type: 'String',
    description:
      'The brand catalog (names, sender numbers, backup teams, service types, prices): every service reads it.',
    source: {
      kind: 'entered',
      fields: [
        {
          env: 'QDN_BRANDS_FILE',
          prompt: 'Path to the brand catalog JSON (shaped like shared/config/brands.local.json)',
          secret: false,
          file: true,
        },
      ],
    },
  },
  {
    name: 'tracking-grant-private-jwk',
    type: 'SecureString',
    description: "ES256 key the jobs service signs customers' 15-minute tracking grants with.",
    source: { kind: 'generated', generator: 'tracking-grant-key-pair' },
    pairedWith: 'tracking-grant-public-jwk',
  },
  {
    name: 'tracking-grant-public-jwk',
    type: 'String',
    description: 'The public half: media and notifications verify tracking grants with it.',
    source: { kind: 'generated', generator: 'tracking-grant-key-pair' },
    pairedWith: 'tracking-grant-private-jwk',
  },
  {
    name: 'twilio-api-key',
    type: 'SecureString',
    description:
      'Twilio account SID and an API key (SID and secret) the notifications service sends SMS with.',
    source: {
      kind: 'entered',
      fields: [
        {
          key: 'accountSid',
          env: 'TWILIO_ACCOUNT_SID',
          prompt: 'Twilio Account SID (AC…)',
          secret: false,
          pattern: /^AC[0-9a-fA-F]{32}$/,
        },
        {
          key: 'apiKeySid',
          env: 'TWILIO_API_KEY_SID',
          prompt: 'Twilio API key SID (SK…)',
          secret: false,
          pattern: /^SK[0-9a-fA-F]{32}$/,
        },
        { key: 'apiKeySecret', env: 'TWILIO_API_KEY_SECRET', prompt: 'Twilio API key secret', secret: true },
      ],
    },
  },
  {
    name: 'twilio-auth-token',
    type: 'SecureString',
    description: "Twilio's Auth Token: the inbound and status webhooks' signatures are checked with it.",
    source: {
      kind: 'entered',
      fields: [{ env: 'TWILIO_AUTH_TOKEN', prompt: 'Twilio Auth Token', secret: true }],
    },
  },
  {
    name: 'scc-service-key',
    type: 'SecureString',
    description: "ShipCaptainCrew's service key: the SCC bridge upserts charter events with it.",
    source: {
      kind: 'entered',
      fields: [{ env: 'SCC_SERVICE_KEY', prompt: 'ShipCaptainCrew service key', secret: true }],
    },
  },
  {
    name: 'calendar-dashboard-token',
    type: 'SecureString',
    description: "The internal calendar's X-Dashboard-Token: the calendar push uses it.",
    source: {
      kind: 'entered',
      fields: [
        { env: 'CALENDAR_DASHBOARD_TOKEN', prompt: 'Internal calendar dashboard token', secret: true },
      ],
    },
  },
  {
    name: 'stripe-secret-key',
    type: 'SecureString',
    description:
      "Stripe's secret (or restricted) API key: the jobs service creates Checkout Sessions for card deposits and refunds with it.",
    source: {
      kind: 'entered',
      fields: [
        {
          env: 'STRIPE_SECRET_KEY',
          prompt: 'Stripe secret key (sk_live_… or a restricted rk_live_…)',
          secret: true,
          pattern: /^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/,
        },
      ],
    },
  },
  {
    name: 'stripe-webhook-secret',
    type: 'SecureString',
    description:
      'The signing secret of the Stripe webhook endpoint (…/stripe/webhook): the jobs service checks Stripe-Signature with it.',
    source: {
      kind: 'entered',
      fields: [
        {
          env: 'STRIPE_WEBHOOK_SECRET',
          prompt: 'Stripe webhook signing secret (whsec_…)',
          secret: true,
          pattern: /^whsec_[A-Za-z0-9_]+$/,
        },
      ],
    },
  },
  {
    name: 'crew-link-secret',
    type: 'SecureString',
    description: "HMAC key crews' magic links are derived from (rotating it revokes every link).",
    source: { kind: 'generated', generator: 'random-32-bytes' },
  },
  {
    name: 'tracking-link-secret',
    type: 'SecureString',
    description:
      "HMAC key customers' tracking links are derived from: the jobs service checks tokens with it, notifications rebuilds links for texts (rotating it ends every link).",
    source: { kind: 'generated', generator: 'random-32-bytes' },
  },
  {
    name: 'ops-alarm-email',
    type: 'String',
    description:
      'Who DLQ alarms reach: the ops topic subscribes this address (they confirm the email AWS sends).',
    source: {
      kind: 'entered',
      fields: [
        {
          env: 'QDN_OPS_ALARM_EMAIL',
          prompt: 'Email address for operations alarms',
          secret: false,
          pattern: /^[^@\s]+@[^@\s]+\.[^@\s]+$/,
        },
      ],
    },
  },
  {
    name: 'settings',
    type: 'String',
    description:
      "The stage's own settings (its API, SCC and console URLs, photo origins, domains): `npm run deploy` and `npm run promote` package every template with them.",
    source: {
      kind: 'entered',
      // Each key is the serverless param it is passed as (`--param key=value`); checked by
      // scripts/deploy/stage-settings.ts when written and again by the deploy preflight.
      fields: [
        {
          key: 'apiBaseUrl',
          env: 'QDN_API_BASE_URL',
          prompt:
            "The stage's public API origin, e.g. https://api.quickdumpnow.com (Twilio's webhooks are signed for it)",
          secret: false,
        },
        {
          key: 'sccApiBaseUrl',
          env: 'QDN_SCC_API_BASE_URL',
          prompt: "ShipCaptainCrew's API base URL for this stage (https://…)",
          secret: false,
        },
        {
          key: 'consoleBaseUrl',
          env: 'QDN_CONSOLE_BASE_URL',
          prompt:
            "The staff console's origin, e.g. https://dashboard.quickdumpnow.com (sign-in returns there)",
          secret: false,
        },
        {
          key: 'photoOrigins',
          env: 'QDN_PHOTO_ORIGINS',
          prompt:
            'Origins that upload and view photos, comma-separated (the console and every brand site, https://…)',
          secret: false,
        },
        {
          key: 'calendarApiBaseUrl',
          env: 'QDN_CALENDAR_API_BASE_URL',
          prompt: "The internal calendar's API base URL (https://…; Enter for none: pushing off)",
          secret: false,
          optional: true,
        },
        {
          key: 'siteDefaultBrandId',
          env: 'QDN_SITE_DEFAULT_BRAND_ID',
          prompt: "The brand the public pages show when a link names none (Enter for 'qdn')",
          secret: false,
          optional: true,
        },
        {
          key: 'staffAuthDomainPrefix',
          env: 'QDN_STAFF_AUTH_DOMAIN_PREFIX',
          prompt: "The staff sign-in's Cognito domain prefix (Enter for qdn-<stage>-staff)",
          secret: false,
          optional: true,
        },
        {
          key: 'siteDomainNames',
          env: 'QDN_SITE_DOMAIN_NAMES',
          prompt: "The public pages' domains, comma-separated (Enter for the distribution's own name)",
          secret: false,
          optional: true,
        },
        {
          key: 'siteCertificateArn',
          env: 'QDN_SITE_CERTIFICATE_ARN',
          prompt: "Their ACM certificate's ARN in us-east-1 (only with the pages' domains)",
          secret: false,
          optional: true,
        },
        {
          key: 'consoleDomainNames',
          env: 'QDN_CONSOLE_DOMAIN_NAMES',
          prompt: "The console's domains, comma-separated (Enter for the distribution's own name)",
          secret: false,
          optional: true,
        },
        {
          key: 'consoleCertificateArn',
          env: 'QDN_CONSOLE_CERTIFICATE_ARN',
          prompt: "Their ACM certificate's ARN in us-east-1 (only with the console's domains)",
          secret: false,
          optional: true,
        },
      ],
    },
  },
];

/** The full SSM name of a stage's parameter. */
export function stageParameterName(stage: string, name: string): string {
  return `/qdn/${stage}/${name}`;
}
