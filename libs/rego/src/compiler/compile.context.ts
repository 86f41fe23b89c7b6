import type { Body, Location } from '../ast/ast';
import { MAX_ERRORS, type RegoErrorCode, type RegoErrorDetail } from './rego-compile.error';

/** State shared by the compiler passes of one compilation. */
export class CompileContext {
  readonly errors: RegoErrorDetail[] = [];
  /** Generated var name → the name the user wrote (for messages). */
  readonly originalNames = new Map<string, string>();
  /** Vars local to a nested body (comprehension, `every`, `not`): declared or only used there. */
  readonly localsOf = new WeakMap<Body, Set<string>>();
  /** Var names written by the user that look generated (`__…`): never handed out by `fresh`. */
  readonly reserved = new Set<string>();
  private counter = 0;

  /** A fresh `__local<N>__` var name; `original` is remembered for error messages. */
  fresh(original?: string): string {
    let name = `__local${this.counter++}__`;
    while (this.reserved.has(name)) name = `__local${this.counter++}__`;
    if (original !== undefined) this.originalNames.set(name, original);
    return name;
  }

  displayName(name: string): string {
    return this.originalNames.get(name) ?? name;
  }

  error(code: RegoErrorCode, loc: Location, message: string): void {
    if (this.errors.length >= MAX_ERRORS) return;
    this.errors.push({ file: loc.file, row: loc.row, col: loc.col, code, message });
  }

  get full(): boolean {
    return this.errors.length >= MAX_ERRORS;
  }

  localsFor(body: Body): Set<string> {
    let s = this.localsOf.get(body);
    if (!s) {
      s = new Set();
      this.localsOf.set(body, s);
    }
    return s;
  }
}
