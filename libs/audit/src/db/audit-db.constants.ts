/**
 * Chain key of instance-level events (domain events without an organisation): they form their own chain,
 * stored under the nil uuid; the hashed events carry `org: null`.
 */
export const SYSTEM_CHAIN_ORG_ID = '00000000-0000-0000-0000-000000000000';

/** Months of audit_events partitions kept created ahead of the current month. */
export const PARTITION_MONTHS_AHEAD = 3;

export function chainKeyOf(org: string | null): string {
  return org ?? SYSTEM_CHAIN_ORG_ID;
}

export function orgOfChainKey(key: string): string | null {
  return key === SYSTEM_CHAIN_ORG_ID ? null : key;
}
