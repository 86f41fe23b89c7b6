import type { AuditRecord } from './audit-event';

/** Export file formats. Only JSON Lines carries everything the offline verifier recomputes. */
export const EXPORT_FORMATS = ['jsonl', 'csv', 'ocsf'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * JSON Lines: `{"seq":…,"leaf":"…","hash":"…","event":<canonical JSON>}` — the event member is the exact
 * canonical text that was hashed, so the verifier hashes those bytes as they stand (and parses them only
 * to check their fields).
 */
export function jsonlLine(record: AuditRecord): string {
  return `{"seq":${record.event.seq},"leaf":"${record.leaf}","hash":"${record.hash}","event":${record.canonical}}\n`;
}

export const CSV_COLUMNS = [
  'seq',
  'id',
  'time',
  'org',
  'type',
  'actor_type',
  'actor_id',
  'subject_type',
  'subject_id',
  'request_id',
  'ip',
  'data',
  'masked',
  'leaf',
  'hash',
] as const;

export const CSV_HEADER = `${CSV_COLUMNS.join(',')}\r\n`;

/**
 * One RFC 4180 record (CRLF). Text cells that a spreadsheet would run as a formula (starting with `=`,
 * `+`, `-`, `@`, tab or CR) get a leading `'`; `data` and `masked` are JSON text.
 */
export function csvLine(record: AuditRecord): string {
  const { event, leaf, hash } = record;
  const cells = [
    String(event.seq),
    text(event.id),
    event.time,
    text(event.org ?? ''),
    text(event.type),
    text(event.actor.type),
    text(event.actor.id),
    text(event.subject?.type ?? ''),
    text(event.subject?.id ?? ''),
    text(event.requestId ?? ''),
    text(event.ip ?? ''),
    quote(JSON.stringify(event.data)),
    quote(JSON.stringify(event.masked)),
    leaf,
    hash,
  ];
  return `${cells.join(',')}\r\n`;
}

function text(value: string): string {
  return quote(/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
}

function quote(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** OCSF schema version the API Activity records follow. */
export const OCSF_VERSION = '1.3.0';
const API_ACTIVITY_CLASS = 6003;

/** OCSF API Activity activity_id from the event type's last word (`member.invited` → Create). */
function activityOf(type: string): { id: number; name: string } {
  const verb = type.slice(type.lastIndexOf('.') + 1);
  if (
    /^(created|added|invited|registered|issued|granted|submitted|requested|imported|uploaded)$/.test(verb)
  ) {
    return { id: 1, name: 'Create' };
  }
  if (/^(read|viewed|listed|exported|downloaded|evaluated|decided|checked)$/.test(verb)) {
    return { id: 2, name: 'Read' };
  }
  if (
    /^(updated|changed|renamed|activated|deactivated|enabled|disabled|approved|rejected|rotated|accepted|moved|edited)$/.test(
      verb,
    )
  ) {
    return { id: 3, name: 'Update' };
  }
  if (/^(deleted|removed|revoked|purged|expired|archived)$/.test(verb)) return { id: 4, name: 'Delete' };
  return { id: 99, name: 'Other' };
}

/** One OCSF 1.3 API Activity (class_uid 6003) record per line; chain fields are kept under `unmapped`. */
export function ocsfLine(record: AuditRecord): string {
  const { event, leaf, hash } = record;
  const activity = activityOf(event.type);
  const ocsf = {
    class_uid: API_ACTIVITY_CLASS,
    class_name: 'API Activity',
    category_uid: 6,
    category_name: 'Application Activity',
    activity_id: activity.id,
    activity_name: activity.name,
    type_uid: API_ACTIVITY_CLASS * 100 + activity.id,
    type_name: `API Activity: ${activity.name}`,
    severity_id: 1,
    severity: 'Informational',
    status_id: 1,
    status: 'Success',
    time: Date.parse(event.time),
    time_dt: event.time,
    message: event.type,
    metadata: {
      version: OCSF_VERSION,
      uid: event.id,
      sequence: event.seq,
      log_name: 'mandate.audit',
      tenant_uid: event.org ?? undefined,
      product: { name: 'Mandate', vendor_name: 'Mandate', feature: { name: 'audit' } },
    },
    actor: { user: { uid: event.actor.id, type: event.actor.type } },
    api: {
      operation: event.type,
      service: { name: 'mandate' },
      request: event.requestId ? { uid: event.requestId } : undefined,
    },
    src_endpoint: event.ip ? { ip: event.ip } : undefined,
    resources: event.subject ? [{ uid: event.subject.id, type: event.subject.type }] : undefined,
    unmapped: { data: event.data, masked: event.masked, leaf, hash, v: event.v },
  };
  return `${JSON.stringify(ocsf)}\n`;
}

export function formatLine(format: ExportFormat, record: AuditRecord): string {
  switch (format) {
    case 'jsonl':
      return jsonlLine(record);
    case 'csv':
      return csvLine(record);
    case 'ocsf':
      return ocsfLine(record);
  }
}
