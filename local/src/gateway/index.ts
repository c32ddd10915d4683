// The local HTTP API (API Gateway HTTP API, payload format 2.0, JWT authorizer): what the local cloud wires.

export type { CorsConfiguration, ServerlessHttpApiCors } from './cors.ts';
export type { HttpApiEvent, JwtContext } from './event.ts';
export type { AccessLogEntry, HttpGatewayHandler, HttpGatewayOptions } from './gateway.ts';
export { createHttpGateway, DEFAULT_INTEGRATION_TIMEOUT_MS, DEFAULT_MAX_BODY_BYTES } from './gateway.ts';
export type {
  IssueTokenInput,
  LocalIdentityProvider,
  LocalIdentityProviderOptions,
  StaffGroup,
} from './identity-provider.ts';
export { createLocalIdentityProvider } from './identity-provider.ts';
export type { JwksSource, JwtAuthorizerConfig } from './jwt.ts';
export type { RouteAuthorizer, RouteDefinition } from './routes.ts';
export { canonicalRouteKey } from './routes.ts';
export type { RouteThrottleSettings, ThrottleConfig } from './throttle.ts';
