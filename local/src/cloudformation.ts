// Just enough of CloudFormation's intrinsic functions to turn the resources and environment a
// serverless.yml declares into the concrete names, URLs and ARNs of the local cloud.
import type { ServiceTopology } from './topology.ts';

export const LOCAL_REGION = 'us-west-2';
export const LOCAL_ACCOUNT = '000000000000';

export interface DeclaredResource {
  service: string;
  logicalId: string;
  type: string;
  properties: Record<string, unknown>;
}

/** What a Ref or GetAtt of a local resource evaluates to. */
export interface ResourceValues {
  ref: string;
  attributes: Record<string, string>;
}

export class UnresolvableError extends Error {
  override name = 'UnresolvableError';
}

/**
 * Evaluates intrinsic functions in `value` for one service: Ref, Fn::GetAtt, Fn::ImportValue (through
 * every service's Outputs exports), Fn::Sub, Fn::Join, Fn::Select, Fn::Split, Fn::If, and pseudo
 * parameters. `valuesOf(service, logicalId)` supplies what local resources evaluate to.
 */
export class IntrinsicResolver {
  readonly #exports = new Map<string, { service: string; value: unknown }>();
  readonly #valuesOf: (service: string, logicalId: string) => ResourceValues | undefined;
  readonly #services: Map<string, ServiceTopology>;

  constructor(
    services: ServiceTopology[],
    valuesOf: (service: string, logicalId: string) => ResourceValues | undefined,
  ) {
    this.#valuesOf = valuesOf;
    this.#services = new Map(services.map((service) => [service.name, service]));
    for (const service of services) {
      for (const output of Object.values(service.config.resources?.Outputs ?? {})) {
        if (!output.Export) continue;
        const name = this.resolve(service.name, output.Export.Name);
        this.#exports.set(String(name), { service: service.name, value: output.Value });
      }
    }
  }

  /** Is a resource's `Condition` true (e.g. an optional email subscription)? */
  conditionHolds(service: string, condition: string | undefined): boolean {
    if (!condition) return true;
    const definition = this.#services.get(service)?.config.resources?.Conditions?.[condition];
    return definition === undefined ? true : Boolean(this.resolve(service, definition));
  }

  resolve(service: string, value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(service, item));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [key, argument] = entries[0] as [string, unknown];
      const evaluated = this.#intrinsic(service, key, argument);
      if (evaluated !== NOT_INTRINSIC) return evaluated;
    }
    return Object.fromEntries(entries.map(([key, item]) => [key, this.resolve(service, item)]));
  }

  #pseudo(name: string): string | undefined {
    switch (name) {
      case 'AWS::Region':
        return LOCAL_REGION;
      case 'AWS::AccountId':
        return LOCAL_ACCOUNT;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return 'local';
      default:
        return undefined;
    }
  }

  #ref(service: string, name: string): string {
    const pseudo = this.#pseudo(name);
    if (pseudo !== undefined) return pseudo;
    const values = this.#valuesOf(service, name);
    if (!values) throw new UnresolvableError(`${service}: Ref ${name} has no local value`);
    return values.ref;
  }

  #getAtt(service: string, logicalId: string, attribute: string): string {
    const values = this.#valuesOf(service, logicalId);
    const value = values?.attributes[attribute];
    if (value === undefined)
      throw new UnresolvableError(`${service}: GetAtt ${logicalId}.${attribute} has no local value`);
    return value;
  }

  #intrinsic(service: string, key: string, argument: unknown): unknown {
    switch (key) {
      case 'Ref':
        return this.#ref(service, String(argument));
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(argument)
          ? (argument as string[])
          : String(argument).split(/\.(.+)/);
        return this.#getAtt(service, String(logicalId), String(attribute));
      }
      case 'Fn::ImportValue': {
        const name = String(this.resolve(service, argument));
        const exported = this.#exports.get(name);
        if (!exported) throw new UnresolvableError(`${service}: no service exports ${name}`);
        return this.resolve(exported.service, exported.value);
      }
      case 'Fn::Sub': {
        const [template, variables] = Array.isArray(argument)
          ? (argument as [string, Record<string, unknown>])
          : [String(argument), {}];
        return template.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
          if (name in variables) return String(this.resolve(service, variables[name]));
          if (name.includes('.') && !name.startsWith('AWS::')) {
            const [logicalId, attribute] = name.split(/\.(.+)/) as [string, string];
            return this.#getAtt(service, logicalId, attribute);
          }
          return this.#ref(service, name);
        });
      }
      case 'Fn::Join': {
        const [separator, items] = argument as [string, unknown[]];
        return (this.resolve(service, items) as unknown[]).join(separator);
      }
      case 'Fn::Select': {
        const [index, items] = argument as [number, unknown];
        return (this.resolve(service, items) as unknown[])[Number(index)];
      }
      case 'Fn::Split': {
        const [separator, text] = argument as [string, unknown];
        return String(this.resolve(service, text)).split(separator);
      }
      case 'Fn::Equals': {
        const [left, right] = this.resolve(service, argument) as [unknown, unknown];
        return JSON.stringify(left) === JSON.stringify(right);
      }
      case 'Fn::Not':
        return !(this.resolve(service, argument) as unknown[])[0];
      case 'Fn::And':
        return (this.resolve(service, argument) as unknown[]).every(Boolean);
      case 'Fn::Or':
        return (this.resolve(service, argument) as unknown[]).some(Boolean);
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = argument as [string, unknown, unknown];
        return this.conditionHolds(service, condition)
          ? this.resolve(service, whenTrue)
          : this.resolve(service, whenFalse);
      }
      case 'Condition':
        return this.conditionHolds(service, String(argument));
      default:
        return NOT_INTRINSIC;
    }
  }
}

const NOT_INTRINSIC = Symbol('not an intrinsic');

/** Every resource the services declare, with the service that owns it. */
export function declaredResources(services: ServiceTopology[]): DeclaredResource[] {
  return services.flatMap((service) =>
    Object.entries(service.config.resources?.Resources ?? {}).map(([logicalId, resource]) => ({
      service: service.name,
      logicalId,
      type: resource.Type,
      properties: resource.Properties ?? {},
      condition: resource.Condition,
    })),
  );
}
