import { toolDigest } from '@mandate/gates';
import { beforeEach, describe, expect, it } from 'vitest';
import { CatalogStage } from './catalog.stage';
import { ResolvedTools } from './resolved-tools';
import { draftOf, FakeCatalog, snapshot } from './stage-fixtures';

const definition = {
  name: 'read_file',
  description: 'Reads a file',
  inputSchema: { type: 'object', properties: { path: { type: 'string' } } },
  annotations: { readOnlyHint: true },
};
const digest = toolDigest(definition);

describe('CatalogStage', () => {
  let catalog: FakeCatalog;
  let resolved: ResolvedTools;
  let stage: CatalogStage;

  beforeEach(() => {
    catalog = new FakeCatalog();
    resolved = new ResolvedTools();
    stage = new CatalogStage(catalog, catalog, resolved);
  });

  it('pins an approved tool presented with its approved definition, from memory (no write)', async () => {
    catalog.tools = [snapshot({ currentDigest: digest, approvedDigest: digest })];
    const draft = draftOf({ tool: { name: 'read_file', definition } });
    expect(await stage.prepare(draft)).toBeUndefined();
    expect(draft.input.tool).toMatchObject({
      digest,
      pinned: true,
      changed: false,
      risk: 'read',
      status: 'approved',
    });
    expect(draft.input.tool.annotations).toEqual({ readOnlyHint: true });
    expect(draft.input.server.id).toBe('s1');
    expect(draft.facts).toMatchObject({ toolDigest: digest, pinnedDigest: digest, toolStatus: 'approved' });
    expect(catalog.observed).toEqual([]);
    expect(catalog.reads).toEqual([false]);
    expect(resolved.get(draft)?.tool?.id).toBe('t1');
  });

  it('records a changed definition of an approved tool (drift at call time) and reports it changed, not pinned', async () => {
    catalog.tools = [snapshot()];
    catalog.onObserve = () => snapshot({ status: 'quarantined', currentDigest: digest });
    const draft = draftOf({ tool: { name: 'read_file', definition } });
    await stage.prepare(draft);
    expect(catalog.observed).toHaveLength(1);
    expect(catalog.observed[0].presented?.digest).toBe(digest);
    expect(draft.input.tool).toMatchObject({ digest, pinned: false, changed: true, status: 'quarantined' });
    expect(draft.facts.pinnedDigest).toBe('sha256:a');
  });

  it('records an unknown tool as pending; it is neither pinned nor of known risk', async () => {
    const draft = draftOf({ tool: { name: 'write_file' }, server: { name: 'fs', url: 'stdio://fs' } });
    await stage.prepare(draft);
    expect(catalog.observed).toEqual([
      { server: { name: 'fs', url: 'stdio://fs' }, toolName: 'write_file', presented: null },
    ]);
    expect(draft.input.tool).toMatchObject({
      pinned: false,
      changed: false,
      risk: 'unknown',
      status: 'pending',
    });
  });

  it('treats a tool the catalog could not record (full) as unknown', async () => {
    catalog.onObserve = () => null;
    const draft = draftOf({ tool: { name: 'other' } });
    await stage.prepare(draft);
    expect(draft.input.tool).toMatchObject({ pinned: false, risk: 'unknown', status: 'unknown' });
    expect(draft.input.server.id).toBe('s1');
  });

  it('uses the registry risk, never the annotations', async () => {
    catalog.tools = [snapshot({ risk: null, annotations: { readOnlyHint: true } })];
    const draft = draftOf({});
    await stage.prepare(draft);
    expect(draft.input.tool).toMatchObject({
      risk: 'unknown',
      pinned: true,
      annotations: { readOnlyHint: true },
    });
  });

  it('reads the database (fresh) when the request carries a consistency token', async () => {
    catalog.tools = [snapshot()];
    await stage.prepare(draftOf({ consistencyToken: 'mct1.x' }));
    expect(catalog.reads).toEqual([true]);
  });

  it('denies a presented definition of another tool', async () => {
    const draft = draftOf({ tool: { name: 'delete_file', definition } });
    const outcome = await stage.prepare(draft);
    expect(outcome).toMatchObject({ decision: 'deny', reasons: [{ code: 'tool_definition_mismatch' }] });
  });
});
