// Minimal declarations for the two stand-ins, which ship no types (and @types/s3rver lacks the 'event' emission).

declare module 's3rver' {
  import type { Server } from 'node:http';
  import type { AddressInfo } from 'node:net';

  namespace S3rver {
    interface Options {
      address?: string;
      port?: number;
      silent?: boolean;
      directory?: string;
      resetOnClose?: boolean;
      allowMismatchedSignatures?: boolean;
      vhostBuckets?: boolean;
      serviceEndpoint?: string;
      configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
    }

    /** One S3-notification record, as s3rver builds it (lib/models/event.js). */
    interface S3EventRecord {
      eventVersion: string;
      eventSource: 'aws:s3';
      awsRegion: string;
      eventTime: string;
      /** ObjectCreated:Put | ObjectCreated:Post (form upload and multipart completion) | ObjectCreated:Copy | ObjectRemoved:Delete */
      eventName: string;
      userIdentity: { principalId: string };
      requestParameters: { sourceIPAddress: string };
      responseElements: Record<string, string>;
      s3: {
        s3SchemaVersion: string;
        configurationId: string;
        bucket: { name: string; ownerIdentity: { principalId: string }; arn: string };
        /** The key is NOT URL-encoded by s3rver; eTag is absent on Copy and Delete. */
        object: { key: string; size?: number; eTag?: string; sequencer: string };
      };
    }

    interface S3Event {
      Records: S3EventRecord[];
    }
  }

  class S3rver {
    constructor(options?: S3rver.Options);
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    reset(): void;
    httpServer?: Server;
    on(event: 'event', listener: (event: S3rver.S3Event) => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
    off(event: 'event', listener: (event: S3rver.S3Event) => void): this;
    off(event: 'error', listener: (error: Error) => void): this;
    emit(event: 'event', payload: S3rver.S3Event): boolean;
  }

  export = S3rver;
}

declare module 'dynalite' {
  import type { Server } from 'node:http';

  namespace dynalite {
    interface Options {
      path?: string;
      createTableMs?: number;
      deleteTableMs?: number;
      updateTableMs?: number;
      maxItemSizeKb?: number;
      verbose?: boolean;
      debug?: boolean;
    }
  }

  function dynalite(options?: dynalite.Options): Server;
  export = dynalite;
}

// s3rver's file-system store and object model, which local/s3-store.ts extends (lib/stores/filesystem.js,
// lib/models/object.js in s3rver 3.7.1).
declare module 's3rver/lib/models/object' {
  class S3Object {
    constructor(bucket: string, key: string, content: unknown, metadata: Record<string, unknown>);
    bucket: string;
    key: string;
    content: unknown;
    metadata: Record<string, string>;
    range?: { start: number; end: number };
    readonly size: number;
  }
  export = S3Object;
}

declare module 's3rver/lib/models/event' {
  import type S3rver from 's3rver';
  import type S3Object from 's3rver/lib/models/object';

  /** Its constructor returns the notification (`{ Records: [record] }`), as the controllers emit it. */
  class S3Event {
    constructor(
      eventData: { bucket: string; eventType: 'Put' | 'Post' | 'Copy' | 'Delete'; S3Item: S3Object },
      reqParams: { reqHeaders: Record<string, string>; sourceIp: string },
    );
    Records: S3rver.S3EventRecord[];
  }
  export = S3Event;
}

declare module 's3rver/lib/stores/filesystem' {
  import type S3Object from 's3rver/lib/models/object';

  class FilesystemStore {
    constructor(rootDirectory: string);
    readonly rootDirectory: string;
    getResourcePath(bucket: string, key: string | undefined, resource: string): string;
    getBucketPath(bucket: string): string;
    getMetadata(bucket: string, key: string): Promise<Record<string, string>>;
    putMetadata(bucket: string, key: string, metadata: Record<string, unknown>, md5?: string): Promise<void>;
    putObject(object: unknown): Promise<{ size: number; md5: string }>;
    putPart(bucket: string, uploadId: string, partNumber: number | string, content: unknown): Promise<{ size: number; md5: string }>;
    putObjectMultipart(bucket: string, uploadId: string, parts: unknown[]): Promise<{ size: number; md5: string }>;
    copyObject(srcBucket: string, srcKey: string, destBucket: string, destKey: string, replacementMetadata: unknown): Promise<Record<string, string>>;
    getObject(bucket: string, key: string, options?: { start?: number; end?: number }): Promise<S3Object | null>;
  }
  export = FilesystemStore;
}

declare module 's3rver/lib/models/error' {
  class S3Error extends Error {
    constructor(code: string, message: string, detail?: Record<string, unknown>);
    code: string;
  }
  export = S3Error;
}

declare module 's3rver/lib/models/account' {
  class AWSAccount {
    createKeyPair(accessKeyId: string, secretAccessKey: string): void;
    revokeAccessKey(accessKeyId: string): void;
    static DUMMY_ACCOUNT: AWSAccount;
  }
  export = AWSAccount;
}
