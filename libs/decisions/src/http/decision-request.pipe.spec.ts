import { BadRequestException, ValidationPipe } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { DecisionRequestDto } from './decision-request.dto';
import { DECISION_REQUEST_SCHEMA, DecisionRequestPipe } from './decision-request.pipe';

const valid = {
  agent: 'coder',
  principal: { id: 'user-1', email: 'ann@example.com', groups: ['dev'] },
  server: { name: 'filesystem', url: 'https://mcp.example.com' },
  tool: { name: 'read_file', definition: { name: 'read_file', inputSchema: { type: 'object' } } },
  arguments: { path: '/w/a.txt', nested: { list: [1, 'two', null, { deep: true }] } },
  phase: 'call',
  context: { session: 's-1' },
  consistencyToken: 'mct1.abc',
  grantToken: 'eyJ.x.y',
};

let deep: Record<string, unknown> = { leaf: 1 };
for (let i = 0; i < 40; i += 1) deep = { d: deep };

/** Bodies the fast path must refuse (each is also refused by the DTO, or accepted by it: checked below). */
const variants: Array<[string, Record<string, unknown>]> = [
  ['minimal', { agent: 'a', server: { name: 's' }, tool: { name: 't' }, arguments: {}, phase: 'list' }],
  ['result phase', { ...valid, phase: 'result', result: { content: [{ type: 'text', text: 'ok' }] } }],
  ['result phase without result', { ...valid, phase: 'result' }],
  ['result null', { ...valid, result: null }],
  ['null principal', { ...valid, principal: null }],
  ['unknown field', { ...valid, extra: 1 }],
  ['unknown nested field', { ...valid, tool: { name: 'x', extra: 1 } }],
  ['unknown principal field', { ...valid, principal: { id: 'u', role: 'x' } }],
  ['bad phase', { ...valid, phase: 'execute' }],
  ['arguments array', { ...valid, arguments: [1, 2] }],
  ['arguments string', { ...valid, arguments: 'x' }],
  ['arguments too big', { ...valid, arguments: { big: 'x'.repeat(300 * 1024) } }],
  ['arguments too deep', { ...valid, arguments: deep }],
  ['arguments with NUL', { ...valid, arguments: { nul: 'a\u0000b' } }],
  ['definition too deep', { ...valid, tool: { name: 't', definition: deep } }],
  ['missing agent', { ...valid, agent: undefined }],
  ['empty agent', { ...valid, agent: '' }],
  ['long agent', { ...valid, agent: 'a'.repeat(129) }],
  ['agent with newline', { ...valid, agent: 'a\nb' }],
  ['astral agent of 128 code points', { ...valid, agent: '😀'.repeat(128) }],
  ['server not an object', { ...valid, server: 'fs' }],
  ['server without name', { ...valid, server: { url: 'x' } }],
  ['too many groups', { ...valid, principal: { id: 'u', groups: Array.from({ length: 101 }, () => 'g') } }],
  ['group not a string', { ...valid, principal: { id: 'u', groups: [1] } }],
  ['session with control', { ...valid, context: { session: 'a\u0007' } }],
  ['null session', { ...valid, context: { session: null } }],
  ['null email', { ...valid, principal: { id: 'u', email: null } }],
  ['long token', { ...valid, consistencyToken: 'x'.repeat(201) }],
  ['token not a string', { ...valid, grantToken: 5 }],
];

/** Whether the DTO (with the global ValidationPipe's settings) accepts `body`. */
async function dtoAccepts(body: unknown): Promise<boolean> {
  const pipe = new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true });
  try {
    await pipe.transform(body, { type: 'body', metatype: DecisionRequestDto });
    return true;
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    return false;
  }
}

describe('DecisionRequestPipe', () => {
  it('takes the fast path for a full, valid request and returns it unchanged', async () => {
    expect(DecisionRequestPipe.fast(valid)).toBe(true);
    expect(await new DecisionRequestPipe().transform(valid)).toBe(valid);
  });

  it('never accepts a body the DTO refuses (the schema is the DTO or stricter)', async () => {
    const accepted: string[] = [];
    for (const [name, body] of [['valid', valid] as [string, Record<string, unknown>], ...variants]) {
      if (!DecisionRequestPipe.fast(body)) continue;
      accepted.push(name);
      expect(await dtoAccepts(body), name).toBe(true);
    }
    expect(accepted).toEqual([
      'valid',
      'minimal',
      'result phase',
      'null principal',
      'astral agent of 128 code points',
    ]);
  });

  it('answers the DTO’s 400 for bad bodies, and still accepts what only the DTO accepts', async () => {
    const pipe = new DecisionRequestPipe();
    await expect(pipe.transform({ ...valid, phase: 'execute' })).rejects.toBeInstanceOf(BadRequestException);
    await expect(pipe.transform({ ...valid, extra: 1 })).rejects.toThrow(BadRequestException);
    // A null optional string: the schema leaves it to the DTO, which allows it.
    expect(DecisionRequestPipe.fast({ ...valid, context: { session: null } })).toBe(false);
    await expect(pipe.transform({ ...valid, context: { session: null } })).resolves.toMatchObject({
      agent: 'coder',
    });
  });

  it('knows every property of the DTO, so no valid request falls off the fast path', () => {
    const dtoProperties = new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(DecisionRequestDto, '', false, false)
        .map((m) => m.propertyName),
    );
    expect(new Set(Object.keys(DECISION_REQUEST_SCHEMA.properties))).toEqual(dtoProperties);
  });
});
