/** Where a change came from, recorded with its domain event. */
export interface RequestMeta {
  requestId?: string;
  ip?: string;
}
