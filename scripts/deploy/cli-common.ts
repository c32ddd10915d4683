import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { DescribeKeyCommand, LocationClient, ResourceNotFoundException } from '@aws-sdk/client-location';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { DescribeMapsKey } from './console.ts';
import type { Clients } from './pipeline.ts';
import type { Prompt } from './secrets.ts';
import { cloudFrontClient } from './site.ts';

export const DEFAULT_REGION = 'us-west-2';

/**
 * SDK clients for a stage's region. Credentials and endpoints come from the SDK's own chain
 * (AWS_PROFILE, AWS_ENDPOINT_URL_<SERVICE>…), which is how tests point them at the local cloud.
 */
export function awsClients(region: string): Clients {
  return {
    ssm: new SSMClient({ region }),
    sns: new SNSClient({ region }),
    s3: new S3Client({ region, forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3) }),
    cloudfront: cloudFrontClient(),
  };
}

/**
 * A public maps key's value (Amazon Location's DescribeKey: CloudFormation can't output it); undefined
 * when the key doesn't exist. Any other failure (no permission, throttling) stops the deploy.
 */
export function describeMapsKey(region: string): DescribeMapsKey {
  const location = new LocationClient({ region });
  return async (keyName) => {
    try {
      return (await location.send(new DescribeKeyCommand({ KeyName: keyName }))).Key;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  };
}

/** Asks at the terminal, echoing nothing for secrets; undefined when stdin is not a terminal. */
export const terminalPrompt: Prompt = async (question, { secret }) => {
  if (!process.stdin.isTTY) return undefined;
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stdout.write(chunk);
      done();
    },
  });
  const readline = createInterface({ input: process.stdin, output, terminal: true });
  try {
    const answer = readline.question(question);
    muted = secret;
    const value = await answer;
    if (secret) process.stdout.write('\n');
    return value;
  } finally {
    readline.close();
  }
};
