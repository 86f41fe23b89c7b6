import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { POLICY_LIMITS } from '../compile/policy-limits';

/** Media types of an OPA bundle upload. */
export const BUNDLE_MEDIA_TYPES = ['application/gzip', 'application/x-gzip'] as const;

interface FastifyLike {
  hasContentTypeParser(type: string): boolean;
  addContentTypeParser(
    type: string,
    options: { parseAs: 'buffer'; bodyLimit: number },
    parser: (request: unknown, body: Buffer, done: (error: Error | null, body?: Buffer) => void) => void,
  ): void;
}

/**
 * Lets Fastify accept `application/gzip` bodies (as a Buffer, at most POLICY_LIMITS.maxBundleBytes) for the
 * bundle upload. Does nothing in apps without HTTP (worker, CLI).
 */
@Injectable()
export class GzipBodyParser implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const instance = this.adapterHost.httpAdapter?.getInstance?.<Partial<FastifyLike> | undefined>();
    if (
      typeof instance?.addContentTypeParser !== 'function' ||
      typeof instance.hasContentTypeParser !== 'function'
    ) {
      return;
    }
    for (const type of BUNDLE_MEDIA_TYPES) {
      if (instance.hasContentTypeParser(type)) continue;
      instance.addContentTypeParser(
        type,
        { parseAs: 'buffer', bodyLimit: POLICY_LIMITS.maxBundleBytes },
        (_request, body, done) => done(null, body),
      );
    }
  }
}
