import { deadLetterRoutes } from '@qdn/shared/ops-routes';

// Dispatcher operations on this service's dead-letter queues (/ops/scc-bridge/…, dispatcher or admin): list,
// read, redrive, discard. The queues come from OPS_CONSUMERS (serverless.yml); the rest is @qdn/shared.
export const { listDlqs, listMessages, redrive, discard } = deadLetterRoutes();
