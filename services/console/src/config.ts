// What the deploy step writes to /config.json (the local cloud generates it): the API origin, the
// public pages' origin and the Cognito Hosted UI domain and app client.
export interface ConsoleConfig {
  apiBaseUrl: string;
  siteBaseUrl: string;
  auth: { domain: string; clientId: string };
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
