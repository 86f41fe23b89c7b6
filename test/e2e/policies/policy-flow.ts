import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { call } from '../identity/identity-harness';

/** Saves the files as the draft, snapshots a version and activates it through the HTTP API. */
export async function activateFiles(
  app: NestFastifyApplication,
  token: string,
  files: Record<string, string>,
): Promise<{ versionId: string; revision: number }> {
  const draft = await call(app, { method: 'PUT', url: '/v1/policies/draft', token, body: { files } });
  if (draft.status !== 200 || draft.body.valid !== true) {
    throw new Error(`saving the draft failed: ${draft.status} ${draft.raw}`);
  }
  const version = await call(app, { method: 'POST', url: '/v1/policies/versions', token, body: {} });
  if (version.status !== 201) throw new Error(`versioning failed: ${version.status} ${version.raw}`);
  const activated = await call(app, {
    method: 'POST',
    url: `/v1/policies/versions/${version.body.id}/activate`,
    token,
    body: {},
  });
  if (activated.status !== 200) throw new Error(`activating failed: ${activated.status} ${activated.raw}`);
  return { versionId: version.body.id as string, revision: activated.body.revision as number };
}
