import type { FieldKind } from './field-context';
import type { Finding } from './finding';

/** Where a detector is looking: the string's JSON pointer and the kind of field it sits in. */
export interface ScanContext {
  path: string;
  kind: FieldKind;
  /** True when the string is an object member's name rather than a value. */
  isKey: boolean;
}

/** A detector appends its findings for one string to `out`. Every detector runs in linear time. */
export type StringDetector = (text: string, context: ScanContext, out: Finding[]) => void;
