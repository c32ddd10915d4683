import { SNSClient } from '@aws-sdk/client-sns';
import { perInstance } from './per-instance.ts';

/** The function's SNS client, created once (endpoint from AWS_ENDPOINT_URL_SNS, like every client). */
export const snsClient = /* @__PURE__ */ perInstance(() => new SNSClient({}));
