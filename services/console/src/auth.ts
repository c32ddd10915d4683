// Sign-in with the Cognito Hosted UI: authorization code + PKCE (S256), the same code path against the
// local identity provider. The ID token is the API's bearer (it carries `cognito:groups` and
// `custom:crewId`; Cognito's access tokens carry no custom attributes). The refresh token stays in
// localStorage so a driver's phone stays signed in across the day; tokens refresh a minute before expiry.
import { signal } from '@preact/signals';
import { config } from './config.ts';

export type Role = 'dispatcher' | 'admin' | 'driver';

export interface User {
  sub: string;
  email: string | undefined;
  roles: Role[];
  crewId: string | undefined;
  /** The strongest role: what the console is laid out for. */
  role: Role;
}

const ID_TOKEN = 'qdn.idToken';
const REFRESH_TOKEN = 'qdn.refreshToken';
const PENDING = 'qdn.signIn';

export const user = signal<User | undefined>(undefined);
/** Set when a request found the session gone: the app offers to sign in again, keeping drafts. */
export const signedOut = signal(false);

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

function claimsOf(token: string): Record<string, unknown> {
  const payload = token.split('.')[1] ?? '';
  const text = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = Uint8Array.from(text, (character) => character.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}

function userOf(token: string): User {
  const claims = claimsOf(token);
  const groups = Array.isArray(claims['cognito:groups']) ? (claims['cognito:groups'] as string[]) : [];
  const roles = (['admin', 'dispatcher', 'driver'] as const).filter((role) => groups.includes(role));
  return {
    sub: String(claims.sub),
    email: typeof claims.email === 'string' ? claims.email : undefined,
    roles,
    crewId: typeof claims['custom:crewId'] === 'string' ? (claims['custom:crewId'] as string) : undefined,
    role: roles[0] ?? 'driver',
  };
}

function expiresAt(token: string): number {
  return Number(claimsOf(token).exp ?? 0) * 1000;
}

const endpoint = (path: string) => `${config().auth.domain}${path}`;
const redirectUri = () => `${location.origin}/callback`;

/** Off to the Hosted UI; back at /callback, then to `returnTo` (the page the user was on). */
export async function signIn(returnTo = location.pathname + location.search): Promise<void> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64url(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))),
  );
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, returnTo }));
  const url = new URL(endpoint('/oauth2/authorize'));
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config().auth.clientId,
    redirect_uri: redirectUri(),
    scope: 'openid email profile',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.toString());
}

async function tokenRequest(form: Record<string, string>) {
  const response = await fetch(endpoint('/oauth2/token'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: config().auth.clientId, ...form }),
  });
  if (!response.ok) return undefined;
  return (await response.json()) as { id_token: string; refresh_token?: string };
}

function keep(tokens: { id_token: string; refresh_token?: string }): void {
  sessionStorage.setItem(ID_TOKEN, tokens.id_token);
  if (tokens.refresh_token) localStorage.setItem(REFRESH_TOKEN, tokens.refresh_token);
  user.value = userOf(tokens.id_token);
  signedOut.value = false;
}

/** At /callback: trades the code for tokens; answers where to go next. */
export async function completeSignIn(): Promise<string> {
  const query = new URLSearchParams(location.search);
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null') as {
    verifier: string;
    state: string;
    returnTo: string;
  } | null;
  sessionStorage.removeItem(PENDING);
  const code = query.get('code');
  if (!pending || !code || query.get('state') !== pending.state)
    throw new Error('The sign-in did not match: try again.');
  const tokens = await tokenRequest({
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri(),
    code_verifier: pending.verifier,
  });
  if (!tokens) throw new Error('The sign-in was refused: try again.');
  keep(tokens);
  return pending.returnTo.startsWith('/callback') ? '/' : pending.returnTo;
}

let refreshing: Promise<string | undefined> | undefined;

async function refresh(): Promise<string | undefined> {
  const refreshToken = localStorage.getItem(REFRESH_TOKEN);
  if (!refreshToken) return undefined;
  const tokens = await tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });
  if (!tokens) {
    localStorage.removeItem(REFRESH_TOKEN);
    return undefined;
  }
  keep(tokens);
  return tokens.id_token;
}

/** A valid ID token, refreshed silently when it is within a minute of expiry (one refresh at a time). */
export async function idToken(options: { forceRefresh?: boolean } = {}): Promise<string | undefined> {
  const current = sessionStorage.getItem(ID_TOKEN);
  if (current && !options.forceRefresh && expiresAt(current) - 60_000 > Date.now()) return current;
  refreshing ??= refresh().finally(() => {
    refreshing = undefined;
  });
  return refreshing;
}

/** On start: who is signed in, from the kept tokens (refreshing them if needed). */
export async function restoreSession(): Promise<User | undefined> {
  const token = await idToken();
  if (token) user.value = userOf(token);
  return user.value;
}

/** The error a request throws when the session is gone; the app shows "sign in again". */
export function sessionExpired(): Error {
  signedOut.value = true;
  return new Error('Your session ended: sign in again (what you typed is kept).');
}

export function signOut(): void {
  sessionStorage.removeItem(ID_TOKEN);
  localStorage.removeItem(REFRESH_TOKEN);
  user.value = undefined;
  const url = new URL(endpoint('/logout'));
  url.search = new URLSearchParams({
    client_id: config().auth.clientId,
    logout_uri: `${location.origin}/signed-out`,
  }).toString();
  location.assign(url.toString());
}
