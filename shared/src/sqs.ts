import { SQSClient } from '@aws-sdk/client-sqs';
import { perInstance } from './per-instance.ts';

/**
 * The function's SQS client, created once (endpoint from AWS_ENDPOINT_URL_SQS, like every client). The
 * endpoint, not the queue URL's host: locally queue URLs are under *.localhost (fauxqs), which the SDK
 * would otherwise warn about on every call. In AWS both are the regional SQS endpoint.
 */
export const sqsClient = /* @__PURE__ */ perInstance(() => new SQSClient({ useQueueUrlAsEndpoint: false }));
