import type { Local } from '../ir/ir';

/**
 * The variables in scope while planning a body: a stack of frames mapping a Rego variable name to the local
 * that holds its value. Frames are pushed for comprehension bodies, `every` bodies and alternative branches,
 * so bindings made inside do not leak out.
 */
export class VarScope {
  private readonly frames: Map<string, Local>[];

  constructor(root: ReadonlyMap<string, Local>) {
    this.frames = [new Map(root)];
  }

  get(name: string): Local | undefined {
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const local = this.frames[i]?.get(name);
      if (local !== undefined) return local;
    }
    return undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Binds `name` in the innermost frame. */
  put(name: string, local: Local): void {
    const top = this.frames[this.frames.length - 1];
    if (top === undefined) throw new Error('planner: empty variable scope');
    top.set(name, local);
  }

  push(): void {
    this.frames.push(new Map());
  }

  pop(): void {
    if (this.frames.length <= 1) throw new Error('planner: cannot pop the root variable scope');
    this.frames.pop();
  }
}
