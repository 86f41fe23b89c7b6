import { describe, expect, it } from 'vitest';
import { pinFacts, planSighting, type ToolState } from './tool-sighting';

const approved: ToolState = { status: 'approved', currentDigest: 'sha256:a', approvedDigest: 'sha256:a' };

describe('planSighting', () => {
  it('creates unknown tools pending, or approved on a trust-on-first-use server when a definition is presented', () => {
    expect(planSighting(null, 'sha256:a', false)).toEqual({
      kind: 'create',
      status: 'pending',
      autoApproved: false,
    });
    expect(planSighting(null, 'sha256:a', true)).toEqual({
      kind: 'create',
      status: 'approved',
      autoApproved: true,
    });
    // Nothing to pin without a definition, even with trust on first use.
    expect(planSighting(null, null, true)).toEqual({
      kind: 'create',
      status: 'pending',
      autoApproved: false,
    });
  });

  it('quarantines a changed definition of an approved tool, even on a trust-on-first-use server', () => {
    expect(planSighting(approved, 'sha256:b', true)).toEqual({ kind: 'quarantine' });
    expect(planSighting(approved, 'sha256:a', true)).toEqual({ kind: 'unchanged' });
    expect(planSighting(approved, null, false)).toEqual({ kind: 'unchanged' });
  });

  it('keeps a quarantined tool quarantined whichever known definition is presented; a third one is a new quarantine', () => {
    const quarantined: ToolState = {
      status: 'quarantined',
      currentDigest: 'sha256:b',
      approvedDigest: 'sha256:a',
    };
    expect(planSighting(quarantined, 'sha256:a', false)).toEqual({ kind: 'unchanged' });
    expect(planSighting(quarantined, 'sha256:b', false)).toEqual({ kind: 'unchanged' });
    expect(planSighting(quarantined, 'sha256:c', false)).toEqual({ kind: 'quarantine' });
  });

  it('replaces the definition of a pending or blocked tool without changing its status', () => {
    const pending: ToolState = { status: 'pending', currentDigest: 'sha256:a', approvedDigest: null };
    expect(planSighting(pending, 'sha256:b', true)).toEqual({ kind: 'replace', status: 'pending' });
    const blocked: ToolState = { status: 'blocked', currentDigest: 'sha256:a', approvedDigest: 'sha256:a' };
    expect(planSighting(blocked, 'sha256:b', false)).toEqual({ kind: 'replace', status: 'blocked' });
  });
});

describe('pinFacts', () => {
  it('pins an approved tool whose presented definition is the approved one (or none is presented)', () => {
    const tool = { ...approved, risk: 'read' as const };
    expect(pinFacts(tool, 'sha256:a')).toEqual({
      digest: 'sha256:a',
      pinned: true,
      changed: false,
      status: 'approved',
      risk: 'read',
    });
    expect(pinFacts(tool, null)).toMatchObject({ digest: 'sha256:a', pinned: true, changed: false });
  });

  it('reports a presented definition differing from the approved one as changed and not pinned', () => {
    expect(pinFacts({ ...approved, risk: null }, 'sha256:b')).toEqual({
      digest: 'sha256:b',
      pinned: false,
      changed: true,
      status: 'approved',
      risk: 'unknown',
    });
  });

  it('never pins pending, quarantined, blocked or unknown tools', () => {
    const pending = {
      status: 'pending' as const,
      currentDigest: 'sha256:p',
      approvedDigest: null,
      risk: null,
    };
    expect(pinFacts(pending, null)).toMatchObject({ digest: 'sha256:p', pinned: false, changed: false });
    const quarantined = {
      ...approved,
      status: 'quarantined' as const,
      currentDigest: 'sha256:b',
      risk: null,
    };
    expect(pinFacts(quarantined, 'sha256:a')).toMatchObject({ pinned: false, changed: true });
    const blocked = { ...approved, status: 'blocked' as const, risk: 'read' as const };
    expect(pinFacts(blocked, 'sha256:a')).toMatchObject({ pinned: false, changed: false, status: 'blocked' });
    expect(pinFacts(null, 'sha256:x')).toEqual({
      digest: 'sha256:x',
      pinned: false,
      changed: false,
      status: 'unknown',
      risk: 'unknown',
    });
  });
});
