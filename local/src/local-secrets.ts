import { LOCAL_REGION } from './cloudformation.ts';

/** The credentials the local fakes accept; the SSM fake hands the same values to the functions. */
export const LOCAL_SECRETS = {
  twilioAccountSid: `AC${'0'.repeat(31)}1`,
  twilioApiKeySid: `SK${'0'.repeat(31)}1`,
  twilioApiKeySecret: 'local-twilio-api-key-secret',
  twilioAuthToken: 'local-twilio-auth-token',
  sccServiceKey: 'local-scc-service-key',
  calendarDashboardToken: 'local-calendar-dashboard-token',
  stripeSecretKey: 'sk_test_local_stripe_secret_key',
  stripeWebhookSecret: 'whsec_local_stripe_webhook_signing_secret',
  userPoolId: `${LOCAL_REGION}_qdnlocal`,
  userPoolClientId: 'qdn-local-dashboard',
};
