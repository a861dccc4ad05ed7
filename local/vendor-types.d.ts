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
