import type { Block, Operand, Policy, Stmt } from '../../ir/ir';

/** A compact text rendering of a Policy, one statement per line, for debugging and test failure messages. */
export function printPolicy(policy: Policy): string {
  const lines: string[] = [];
  const op = (o: Operand): string =>
    o.kind === 'local'
      ? `L${o.local}`
      : o.kind === 'bool'
        ? String(o.value)
        : JSON.stringify(policy.strings[o.index]);
  const block = (b: Block, depth: number): void => {
    for (const s of b.stmts) stmt(s, depth);
  };
  const stmt = (s: Stmt, depth: number): void => {
    const pad = '  '.repeat(depth);
    const { op: name, ...rest } = s;
    switch (s.op) {
      case 'block':
        lines.push(`${pad}block`);
        s.blocks.forEach((b, i) => {
          lines.push(`${pad}  [${i}]`);
          block(b, depth + 2);
        });
        return;
      case 'scan':
        lines.push(`${pad}scan L${s.source} key=L${s.key} value=L${s.value}`);
        block(s.block, depth + 1);
        return;
      case 'not':
        lines.push(`${pad}not`);
        block(s.block, depth + 1);
        return;
      case 'with':
        lines.push(
          `${pad}with L${s.local} [${s.path.map((i) => policy.strings[i]).join('.')}] = ${op(s.value)}`,
        );
        block(s.block, depth + 1);
        return;
      default: {
        const args = Object.entries(rest)
          .filter(([k]) => k !== 'loc')
          .map(([k, v]) => {
            const isOperand = typeof v === 'object' && v !== null && 'kind' in v;
            if (isOperand && k !== 'target') return `${k}=${op(v as Operand)}`;
            if (Array.isArray(v) && k === 'args') return `args=(${(v as Operand[]).map(op).join(', ')})`;
            return `${k}=${JSON.stringify(v)}`;
          });
        lines.push(`${pad}${name} ${args.join(' ')}`);
      }
    }
  };
  for (const f of policy.funcs) {
    lines.push(`func ${f.name}(${f.params.map((p) => `L${p}`).join(', ')}) -> L${f.ret}`);
    f.blocks.forEach((b, i) => {
      lines.push(`  [${i}]`);
      block(b, 2);
    });
  }
  for (const p of policy.plans) {
    lines.push(`plan ${p.name}`);
    p.blocks.forEach((b) => block(b, 1));
  }
  return lines.join('\n');
}
