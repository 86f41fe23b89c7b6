/** A byte string placed in the policy's data segment. */
export interface DataSlice {
  /** Offset relative to the start of the segment. */
  offset: number;
  length: number;
}

/**
 * Accumulates the policy's static bytes (strings, file names, JSON of builtins and entrypoints, messages)
 * into one segment. Identical byte strings are stored once. Every slice is followed by a NUL byte so that it
 * can also be passed where a NUL-terminated string is expected (`opa_abort`).
 */
export class StaticDataBuilder {
  private readonly encoder = new TextEncoder();
  private readonly chunks: Uint8Array[] = [];
  private readonly known = new Map<string, DataSlice>();
  private size = 0;

  addString(text: string): DataSlice {
    const found = this.known.get(text);
    if (found) return found;
    const bytes = this.encoder.encode(text);
    const slice: DataSlice = { offset: this.size, length: bytes.length };
    this.chunks.push(bytes, new Uint8Array(1));
    this.size += bytes.length + 1;
    this.known.set(text, slice);
    return slice;
  }

  get byteLength(): number {
    return this.size;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
}
