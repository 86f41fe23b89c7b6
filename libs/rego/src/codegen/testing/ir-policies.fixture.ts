import type { Policy } from '../../ir/ir';

/**
 * Hand-written IR policies used to test the code generator without the front end or planner.
 *
 *   package test
 *   allow if input.user == "alice"                       (entrypoint test/allow → [{result: true}])
 *   greeting := test.greet("hello %s", [input.user])     (entrypoint test/greeting, a host builtin)
 *   users contains u if some u in data.users; u != "bob"  (entrypoint test/users, scan + set)
 *   total := count(data.users) + 1                       (entrypoint test/total, native builtins)
 */
export function aliceAllowPolicy(): Policy {
  const S = { result: 0, user: 1, alice: 2, fmt: 3, users: 4, bob: 5 };
  return {
    strings: ['result', 'user', 'alice', 'hello %s', 'users', 'bob'],
    files: ['test.rego'],
    builtins: [
      { name: 'test.greet', arity: 2 },
      { name: 'count', arity: 1 },
      { name: 'plus', arity: 2 },
    ],
    funcs: [
      {
        name: 'g0.data.test.allow',
        params: [0, 1],
        ret: 2,
        path: ['data', 'test', 'allow'],
        blocks: [
          {
            stmts: [
              {
                op: 'dot',
                source: { kind: 'local', local: 0 },
                key: { kind: 'string', index: S.user },
                target: 3,
              },
              { op: 'equal', a: { kind: 'local', local: 3 }, b: { kind: 'string', index: S.alice } },
              { op: 'assignVarOnce', source: { kind: 'bool', value: true }, target: 2 },
            ],
          },
          { stmts: [{ op: 'returnLocal', source: 2 }] },
        ],
      },
      {
        name: 'g0.data.test.greeting',
        params: [0, 1],
        ret: 2,
        path: ['data', 'test', 'greeting'],
        blocks: [
          {
            stmts: [
              {
                op: 'dot',
                source: { kind: 'local', local: 0 },
                key: { kind: 'string', index: S.user },
                target: 3,
              },
              { op: 'makeArray', capacity: 1, target: 4 },
              { op: 'arrayAppend', value: { kind: 'local', local: 3 }, array: 4 },
              {
                op: 'call',
                target: { kind: 'builtin', name: 'test.greet' },
                args: [
                  { kind: 'string', index: S.fmt },
                  { kind: 'local', local: 4 },
                ],
                result: 5,
              },
              { op: 'assignVarOnce', source: { kind: 'local', local: 5 }, target: 2 },
            ],
          },
          { stmts: [{ op: 'returnLocal', source: 2 }] },
        ],
      },
      {
        name: 'g0.data.test.users',
        params: [0, 1],
        ret: 2,
        path: ['data', 'test', 'users'],
        blocks: [
          { stmts: [{ op: 'makeSet', target: 2 }] },
          {
            stmts: [
              {
                op: 'dot',
                source: { kind: 'local', local: 1 },
                key: { kind: 'string', index: S.users },
                target: 3,
              },
              {
                op: 'scan',
                source: 3,
                key: 4,
                value: 5,
                block: {
                  stmts: [
                    { op: 'notEqual', a: { kind: 'local', local: 5 }, b: { kind: 'string', index: S.bob } },
                    { op: 'setAdd', value: { kind: 'local', local: 5 }, set: 2 },
                  ],
                },
              },
            ],
          },
          { stmts: [{ op: 'returnLocal', source: 2 }] },
        ],
      },
      {
        name: 'g0.data.test.total',
        params: [0, 1],
        ret: 2,
        path: ['data', 'test', 'total'],
        blocks: [
          {
            stmts: [
              {
                op: 'dot',
                source: { kind: 'local', local: 1 },
                key: { kind: 'string', index: S.users },
                target: 3,
              },
              {
                op: 'call',
                target: { kind: 'builtin', name: 'count' },
                args: [{ kind: 'local', local: 3 }],
                result: 4,
              },
              { op: 'makeNumberInt', value: 1, target: 5 },
              {
                op: 'call',
                target: { kind: 'builtin', name: 'plus' },
                args: [
                  { kind: 'local', local: 4 },
                  { kind: 'local', local: 5 },
                ],
                result: 6,
              },
              { op: 'assignVarOnce', source: { kind: 'local', local: 6 }, target: 2 },
            ],
          },
          { stmts: [{ op: 'returnLocal', source: 2 }] },
        ],
      },
    ],
    plans: ['allow', 'greeting', 'users', 'total'].map((rule) => ({
      name: `test/${rule}`,
      blocks: [
        {
          stmts: [
            {
              op: 'call' as const,
              target: { kind: 'func' as const, name: `g0.data.test.${rule}` },
              args: [
                { kind: 'local' as const, local: 0 },
                { kind: 'local' as const, local: 1 },
              ],
              result: 2,
            },
            { op: 'makeObject' as const, target: 3 },
            {
              op: 'objectInsert' as const,
              key: { kind: 'string' as const, index: S.result },
              value: { kind: 'local' as const, local: 2 },
              object: 3,
            },
            { op: 'resultSetAdd' as const, value: 3 },
          ],
        },
      ],
    })),
  };
}
