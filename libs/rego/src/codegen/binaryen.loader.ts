/** binaryen.js is ESM-only with top-level await: it is loaded once, lazily, through a dynamic import. */
export type Binaryen = typeof import('binaryen').default;
export type BinaryenModule = InstanceType<Binaryen['Module']>;

let loading: Promise<Binaryen> | undefined;

export function loadBinaryen(): Promise<Binaryen> {
  loading ??= import('binaryen').then((m) => m.default);
  return loading;
}

export interface DataSegment {
  name: string;
  /** Absolute offset of an active segment; null for a passive one. */
  offset: number | null;
  data: Uint8Array;
  passive: boolean;
}

/** binaryen.js has these module methods, but its typings lack them. */
interface DataSegmentReader {
  getNumDataSegments(): number;
  getDataSegmentByIndex(index: number): number;
  getDataSegmentInfo(ref: number): {
    name: string;
    offset: number | null;
    data: ArrayBuffer;
    passive: boolean;
  };
}

export function readDataSegments(m: BinaryenModule): DataSegment[] {
  const reader = m as unknown as DataSegmentReader;
  const out: DataSegment[] = [];
  for (let i = 0; i < reader.getNumDataSegments(); i++) {
    const info = reader.getDataSegmentInfo(reader.getDataSegmentByIndex(i));
    out.push({
      name: info.name,
      offset: info.offset,
      data: new Uint8Array(info.data),
      passive: info.passive,
    });
  }
  return out;
}
