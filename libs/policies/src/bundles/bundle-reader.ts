import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { DomainError, ErrorCode } from '@mandate/common';
import { extract } from 'tar-stream';
import { POLICY_LIMITS } from '../compile/policy-limits';

const MAX_ENTRIES = 1000;

/**
 * Reads a gzipped tar (an OPA bundle) into memory: regular files only, by name without a leading `/` or
 * `./`. Bounded: the decompressed size, the number of entries and each entry's size are limited; anything
 * malformed is a `validation_failed` error.
 */
export async function readBundle(gz: Buffer): Promise<Map<string, Buffer>> {
  const invalid = (message: string) =>
    new DomainError(ErrorCode.ValidationFailed, message, { field: 'bundle' });
  let tar: Buffer;
  try {
    tar = gunzipSync(gz, { maxOutputLength: POLICY_LIMITS.maxBundleEntryBytes * 2 });
  } catch {
    throw invalid('The bundle is not a gzip file, or it is too large once decompressed');
  }
  const files = new Map<string, Buffer>();
  const reader = extract();
  let entries = 0;
  reader.on('entry', (header, stream, next) => {
    entries += 1;
    if (entries > MAX_ENTRIES) {
      stream.resume();
      next(invalid(`The bundle has more than ${MAX_ENTRIES} entries`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= POLICY_LIMITS.maxBundleEntryBytes) chunks.push(chunk);
    });
    stream.on('end', () => {
      if (size > POLICY_LIMITS.maxBundleEntryBytes) {
        next(invalid(`A bundle entry is larger than ${POLICY_LIMITS.maxBundleEntryBytes} bytes`));
        return;
      }
      if (header.type === 'file' || header.type === undefined) {
        const name = header.name.replace(/^(\.\/|\/)+/, '');
        if (files.has(name)) {
          next(invalid(`The bundle contains ${name} twice`));
          return;
        }
        files.set(name, Buffer.concat(chunks));
      }
      next();
    });
    stream.on('error', (error) => next(error));
  });
  await new Promise<void>((resolve, reject) => {
    reader.on('finish', resolve);
    reader.on('error', (error: unknown) =>
      reject(error instanceof DomainError ? error : invalid('The bundle is not a valid tar archive')),
    );
    Readable.from([tar]).pipe(reader);
  });
  return files;
}
