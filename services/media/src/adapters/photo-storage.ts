import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createPresignedPost, type PresignedPostOptions } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { PhotoContentType } from '../domain/photo.ts';
import type { PhotoStorage, SignedUpload } from '../domain/ports.ts';

/**
 * The POST policy conditions besides the bucket and the exact key (which `createPresignedPost` adds
 * itself): the one declared content type, and 1 B – `maxBytes`.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
 */
export function uploadConditions(
  contentType: PhotoContentType,
  maxBytes: number,
): NonNullable<PresignedPostOptions['Conditions']> {
  return [{ 'Content-Type': contentType }, ['content-length-range', 1, maxBytes]];
}

/** The media bucket through the SDK. */
export class S3PhotoStorage implements PhotoStorage {
  readonly #client: S3Client;
  readonly #bucket: string;

  constructor(client: S3Client, bucket: string) {
    this.#client = client;
    this.#bucket = bucket;
  }

  async signUpload(input: {
    key: string;
    contentType: PhotoContentType;
    maxBytes: number;
    expiresSeconds: number;
  }): Promise<SignedUpload> {
    return createPresignedPost(this.#client, {
      Bucket: this.#bucket,
      Key: input.key,
      Conditions: uploadConditions(input.contentType, input.maxBytes),
      Fields: { 'Content-Type': input.contentType },
      Expires: input.expiresSeconds,
    });
  }

  signView(key: string, expiresSeconds: number): Promise<string> {
    return getSignedUrl(this.#client, new GetObjectCommand({ Bucket: this.#bucket, Key: key }), {
      expiresIn: expiresSeconds,
    });
  }

  async read(key: string): Promise<Uint8Array | undefined> {
    try {
      const { Body } = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      return Body ? await Body.transformToByteArray() : undefined;
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }

  async write(key: string, body: Uint8Array, contentType: string): Promise<void> {
    await this.#client.send(
      new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: body, ContentType: contentType }),
    );
  }

  async copy(fromKey: string, toKey: string, contentType: string): Promise<void> {
    await this.#client.send(
      new CopyObjectCommand({
        Bucket: this.#bucket,
        Key: toKey,
        // Keys are ours ([A-Za-z0-9_-./]), so they need no escaping in the copy source.
        CopySource: `${this.#bucket}/${fromKey}`,
        ContentType: contentType,
        MetadataDirective: 'REPLACE',
      }),
    );
  }

  async delete(...keys: string[]): Promise<void> {
    for (const key of keys) {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }));
    }
  }
}
