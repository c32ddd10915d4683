import { describeReplayRoute, startReplayRoute } from '@qdn/shared/ops-routes';

// Replays of the bus's archive (the jobs service owns the bus): dispatcher or admin.

/** POST /ops/jobs/replays `{ from, to, consumer? }` */
export const startReplay = startReplayRoute();
/** GET /ops/jobs/replays/{name} */
export const describeReplay = describeReplayRoute();
