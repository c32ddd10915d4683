// `npm run secrets -- --stage <stage>`: creates or updates every SSM parameter a stage needs
// (STAGE_PARAMETERS in @qdn/shared). Values come from the environment or a prompt, never from a file in
// the repository; secrets are generated where nobody needs to know them (signing keys, link secrets).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import {
  GetParameterCommand,
  GetParametersCommand,
  PutParameterCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { brandsFrom, requireMessagingServices } from '@qdn/shared/brands';
import {
  type EnteredField,
  STAGE_PARAMETERS,
  type StageParameter,
  stageParameterName,
} from '@qdn/shared/stage-parameters';
import { exportJWK, generateKeyPair } from 'jose';
import { UsageError } from './stage.ts';
import { parseStageSettings } from './stage-settings.ts';

/** Asks the operator for one value (hidden when secret). Undefined when nobody can answer (no terminal). */
export type Prompt = (question: string, options: { secret: boolean }) => Promise<string | undefined>;

export interface SecretsOptions {
  ssm: SSMClient;
  stage: string;
  /** Where entered values are looked up first (process.env). */
  env: Record<string, string | undefined>;
  prompt: Prompt;
  /** Files inside it are refused as a source of values. */
  repoRoot: string;
  /** Generated parameters to make anew (e.g. crew-link-secret: revokes every crew link). */
  rotate?: string[];
}

export interface SecretsResult {
  /** Parameters written, and why. */
  written: { name: string; because: 'new' | 'entered' | 'rotated' }[];
  /** Parameters that exist and were left as they are. */
  kept: string[];
}

/** Reads which of the stage's parameters exist (names only; values stay in SSM). */
export async function existingParameters(ssm: SSMClient, stage: string): Promise<Set<string>> {
  const names = STAGE_PARAMETERS.map((parameter) => stageParameterName(stage, parameter.name));
  const found = new Set<string>();
  // GetParameters takes at most 10 names per call.
  for (let start = 0; start < names.length; start += 10) {
    const answer = await ssm.send(new GetParametersCommand({ Names: names.slice(start, start + 10) }));
    for (const parameter of answer.Parameters ?? []) if (parameter.Name) found.add(parameter.Name);
  }
  return found;
}

function insideRepository(path: string, repoRoot: string): boolean {
  const fromRoot = relative(resolve(repoRoot), resolve(path));
  return fromRoot === '' || (!fromRoot.startsWith('..') && !isAbsolute(fromRoot));
}

/** One entered field's value, checked; undefined when it was neither in the environment nor answered. */
async function enterField(
  parameter: StageParameter,
  field: EnteredField,
  options: SecretsOptions,
  exists: boolean,
): Promise<string | undefined> {
  const fromEnv = options.env[field.env];
  const keep = exists ? ' (Enter keeps the current value)' : '';
  const answer = fromEnv ?? (await options.prompt(`${field.prompt} [${field.env}]${keep}: `, field));
  const value = answer?.trim();
  if (!value) return undefined;
  if (field.pattern && !field.pattern.test(value))
    throw new UsageError(`${parameter.name}: ${field.env} does not look like ${field.prompt}`);
  if (!field.file) return value;
  if (insideRepository(value, options.repoRoot))
    throw new UsageError(
      `${parameter.name}: ${value} is inside the repository; keep stage configuration outside it`,
    );
  return readFileSync(value, 'utf8');
}

/** The fields a stored JSON parameter holds (settings, the Twilio API key), to keep those not entered. */
async function storedFields(ssm: SSMClient, name: string): Promise<Record<string, string>> {
  const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
  try {
    const fields: unknown = JSON.parse(Parameter?.Value ?? '');
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return {};
    return Object.fromEntries(
      Object.entries(fields).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    );
  } catch {
    return {};
  }
}

/** The value an entered parameter gets, or undefined to keep what is there (or report it missing). */
async function enteredValue(
  parameter: StageParameter & { source: { kind: 'entered' } },
  options: SecretsOptions,
  exists: boolean,
): Promise<string | undefined> {
  const keyed = parameter.source.fields.some((field) => field.key !== undefined);
  // A parameter of several fields changes field by field: one given alone (a new calendar URL, a Twilio
  // API key secret rolled) keeps the others as stored; an optional one set to nothing
  // (QDN_SITE_DOMAIN_NAMES=) is removed.
  const stored =
    keyed && exists ? await storedFields(options.ssm, stageParameterName(options.stage, parameter.name)) : {};
  const values: Record<string, string> = {};
  let changed = false;
  for (const field of parameter.source.fields) {
    const key = field.key ?? '';
    const value = await enterField(parameter, field, options, exists);
    if (value !== undefined) {
      values[key] = value;
      changed ||= value !== stored[key];
      continue;
    }
    const cleared = keyed && field.optional === true && options.env[field.env]?.trim() === '';
    if (cleared) {
      changed ||= stored[key] !== undefined;
      continue;
    }
    if (stored[key] !== undefined) values[key] = stored[key];
    else if (!field.optional) return undefined;
  }
  if (keyed && !changed) return undefined;
  if (parameter.name === 'settings') {
    const { problems } = parseStageSettings(JSON.stringify(values));
    if (problems) throw new UsageError(`settings: ${problems.join('; ')}`);
  }
  if (parameter.source.fields.length === 1 && parameter.source.fields[0]!.key === undefined) {
    const value = values['']!;
    if (parameter.name === 'brands') {
      // Refused here rather than by every function at its next cold start.
      try {
        requireMessagingServices(brandsFrom(JSON.parse(value)), options.stage);
      } catch (error) {
        throw new UsageError(`brands: not a valid brand catalog: ${(error as Error).message}`);
      }
      return JSON.stringify(JSON.parse(value));
    }
    return value;
  }
  return JSON.stringify(values);
}

async function generatedValues(generator: string): Promise<Record<string, string>> {
  if (generator === 'tracking-grant-key-pair') {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    return {
      'tracking-grant-private-jwk': JSON.stringify(await exportJWK(privateKey)),
      'tracking-grant-public-jwk': JSON.stringify(await exportJWK(publicKey)),
    };
  }
  return { [generator]: randomBytes(32).toString('base64url') };
}

/**
 * Creates what is missing and updates what the environment or the operator gives. Nothing is written
 * until every value is known and valid, so a refusal leaves the stage as it was.
 */
export async function putStageSecrets(options: SecretsOptions): Promise<SecretsResult> {
  const rotate = new Set(options.rotate ?? []);
  for (const name of rotate) {
    const parameter = STAGE_PARAMETERS.find((candidate) => candidate.name === name);
    if (parameter?.source.kind !== 'generated')
      throw new UsageError(`--rotate ${name}: only generated parameters are rotated; enter the others`);
  }
  const existing = await existingParameters(options.ssm, options.stage);
  const exists = (name: string) => existing.has(stageParameterName(options.stage, name));
  const toWrite = new Map<string, { value: string; because: 'new' | 'entered' | 'rotated' }>();
  const kept: string[] = [];
  const missing: string[] = [];

  for (const parameter of STAGE_PARAMETERS) {
    if (toWrite.has(parameter.name)) continue;
    if (parameter.source.kind === 'generated') {
      const group = [parameter.name, ...(parameter.pairedWith ? [parameter.pairedWith] : [])];
      const rotated = group.some((name) => rotate.has(name));
      // A key pair is made together: a lone half is useless.
      if (!rotated && group.every(exists)) {
        kept.push(...group);
        continue;
      }
      const values = await generatedValues(
        parameter.source.generator === 'random-32-bytes' ? parameter.name : parameter.source.generator,
      );
      for (const name of group)
        toWrite.set(name, { value: values[name]!, because: rotated ? 'rotated' : 'new' });
      continue;
    }
    const value = await enteredValue(
      parameter as StageParameter & { source: { kind: 'entered' } },
      options,
      exists(parameter.name),
    );
    if (value !== undefined)
      toWrite.set(parameter.name, { value, because: exists(parameter.name) ? 'entered' : 'new' });
    else if (exists(parameter.name)) kept.push(parameter.name);
    else missing.push(parameter.name);
  }
  if (missing.length > 0) {
    const envNames = STAGE_PARAMETERS.filter((parameter) => missing.includes(parameter.name)).flatMap(
      (parameter) =>
        parameter.source.kind === 'entered' ? parameter.source.fields.map((field) => field.env) : [],
    );
    throw new UsageError(
      `no value for ${missing.join(', ')}: set ${envNames.join(', ')} or run in a terminal to be asked. Nothing was written.`,
    );
  }

  const written: SecretsResult['written'] = [];
  for (const parameter of STAGE_PARAMETERS) {
    const entry = toWrite.get(parameter.name);
    if (!entry) continue;
    await options.ssm.send(
      new PutParameterCommand({
        Name: stageParameterName(options.stage, parameter.name),
        Value: entry.value,
        Type: parameter.type,
        // Standard holds 4 KB, and the brand catalog is more (three brands: ≈5 KB): SSM keeps a value
        // in Standard while it fits and moves it to Advanced (8 KB, billed monthly) only when it doesn't.
        Tier: 'Intelligent-Tiering',
        Overwrite: true,
        Description: parameter.description.slice(0, 1024),
      }),
    );
    written.push({ name: parameter.name, because: entry.because });
  }
  return { written, kept };
}
