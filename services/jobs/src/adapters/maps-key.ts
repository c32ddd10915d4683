import { DescribeKeyCommand } from '@aws-sdk/client-location';
import { loadConfig } from '@qdn/shared/config';
import { locationClient } from '@qdn/shared/location';
import { logger } from '@qdn/shared/logging';
import { perInstanceAsync } from '@qdn/shared/per-instance';
import * as z from 'zod';

// Both optional: without them (a stage without maps) the tracking page shows no map, only its text.
const config = loadConfig({
  MAPS_API_KEY_NAME: z.string().min(1).optional(),
  STATIC_MAP_URL: z.url().optional(),
});

// The key is the site stack's (AWS::Location::APIKey); CloudFormation can't hand out its value, so it
// is read once per function instance. A failed read is tried again on the next view.
const keyValue = /* @__PURE__ */ perInstanceAsync(async () => {
  const { Key } = await locationClient().send(new DescribeKeyCommand({ KeyName: config.MAPS_API_KEY_NAME }));
  if (!Key) throw new Error(`API key ${config.MAPS_API_KEY_NAME} has no value`);
  return Key;
});

/**
 * The static map's endpoint and the public maps key, or undefined when maps aren't configured or the
 * key can't be read now: the map is a nicety, never a reason for the tracking page to fail.
 */
export async function mapsKey(): Promise<{ base: string; key: string } | undefined> {
  if (!config.MAPS_API_KEY_NAME || !config.STATIC_MAP_URL) return undefined;
  try {
    return { base: config.STATIC_MAP_URL, key: await keyValue() };
  } catch (error) {
    logger.warn('Maps API key not readable; the tracking page shows no map', { error: error as Error });
    return undefined;
  }
}
