// What the deploy step writes to /config.json (scripts/deploy/console.ts; the local cloud generates its
// own): the API origin, the Cognito Hosted UI domain and app client, and the board map's style.
export interface ConsoleConfig {
  apiBaseUrl: string;
  auth: { domain: string; clientId: string };
  /**
   * The board's map: Amazon Location's style descriptor with the console stack's public maps key
   * (`https://maps.geo.<region>.amazonaws.com/v2/styles/Standard/descriptor?key=v1.public.…`; locally
   * the local cloud's style without remote tiles). Absent: the board has no map, nothing else changes.
   */
  map?: { styleUrl: string };
  /**
   * The business's IANA time zone (the local cloud's: its brands'). Absent: the console takes the zone
   * of the brands it meets (business-time.ts), never only the device's.
   */
  timeZone?: string;
}

let loaded: ConsoleConfig | undefined;

export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch('/config.json', { cache: 'no-cache' });
  if (!response.ok) throw new Error(`config.json: ${response.status}`);
  loaded = (await response.json()) as ConsoleConfig;
  return loaded;
}

export function config(): ConsoleConfig {
  if (!loaded) throw new Error('config.json is not loaded yet');
  return loaded;
}
