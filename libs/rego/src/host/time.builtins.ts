/**
 * `time.*` host builtins. Times are nanoseconds since the Unix epoch (JavaScript numbers, so precise to about
 * 2^53 ns); time zones use Intl (IANA names, `UTC`, `Local`, or empty for UTC). Go layouts (`2006-01-02…`) are
 * supported for the common tokens. Undefined on bad input.
 */
import type { HostBuiltin } from './host-builtins';

const NS_MIN = -(2n ** 63n);
const NS_MAX = 2n ** 63n - 1n;
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
  yday: number;
  /** Offset from UTC in minutes. */
  offset: number;
  /** Nanoseconds within the second. */
  nanos: number;
  zoneName: string;
}

function splitNs(ns: number): { ms: number; nanos: number } {
  const ms = Math.floor(ns / 1e6);
  const secMs = Math.floor(ms / 1000) * 1000;
  const big = BigInt(Math.round(ns));
  const nanos = Number(((big % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n);
  return { ms: secMs, nanos };
}

function partsOf(ns: number, tz: string): Parts | undefined {
  const { ms, nanos } = splitNs(ns);
  let offset = 0;
  let zoneName = 'UTC';
  if (tz !== '' && tz !== 'UTC') {
    try {
      const fmt = new Intl.DateTimeFormat('en-US', {
        timeZone: tz === 'Local' ? undefined : tz,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        timeZoneName: 'short',
      });
      const p = Object.fromEntries(fmt.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
      const asUtc = Date.UTC(
        Number(p.year),
        Number(p.month) - 1,
        Number(p.day),
        Number(p.hour),
        Number(p.minute),
        Number(p.second),
      );
      offset = Math.round((asUtc - ms) / 60000);
      zoneName = p.timeZoneName ?? tz;
    } catch {
      return undefined;
    }
  }
  const d = new Date(ms + offset * 60000);
  const start = Date.UTC(d.getUTCFullYear(), 0, 1);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
    yday: Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - start) / 86400000) + 1,
    offset,
    nanos,
    zoneName,
  };
}

/** `ns` or `[ns, tz]` (or `[ns, tz, layout]` for time.format). */
function timeArg(x: unknown): { ns: number; tz: string; layout?: string } | undefined {
  if (typeof x === 'number') return { ns: x, tz: 'UTC' };
  if (
    Array.isArray(x) &&
    typeof x[0] === 'number' &&
    (x.length === 2 || x.length === 3) &&
    typeof x[1] === 'string'
  ) {
    if (x.length === 3 && typeof x[2] !== 'string') return undefined;
    return { ns: x[0], tz: x[1], layout: x[2] as string | undefined };
  }
  return undefined;
}

const pad = (n: number, w: number): string => String(Math.abs(n)).padStart(w, '0');

function zone(offset: number, colon: boolean, z: boolean, short = false): string {
  if (z && offset === 0) return 'Z';
  const sign = offset < 0 ? '-' : '+';
  const h = pad(Math.floor(Math.abs(offset) / 60), 2);
  const m = pad(Math.abs(offset) % 60, 2);
  if (short) return `${sign}${h}`;
  return colon ? `${sign}${h}:${m}` : `${sign}${h}${m}`;
}

const LAYOUT_TOKENS = [
  'January',
  'Monday',
  'Z07:00:00',
  '-07:00:00',
  'Z07:00',
  '-07:00',
  'Z0700',
  '-0700',
  'Z07',
  '-07',
  '2006',
  '002',
  'Jan',
  'Mon',
  'MST',
  '__2',
  '_2',
  '01',
  '02',
  '03',
  '04',
  '05',
  '06',
  '15',
  'PM',
  'pm',
  '1',
  '2',
  '3',
  '4',
  '5',
];

function formatLayout(layout: string, p: Parts): string {
  let out = '';
  let i = 0;
  while (i < layout.length) {
    const frac = /^[.,](0+|9+)/.exec(layout.slice(i));
    if (frac && !/\d/.test(layout[i + frac[0].length] ?? '')) {
      const digits = frac[1].length;
      let f = pad(p.nanos, 9).slice(0, digits);
      if (frac[1][0] === '9') {
        f = f.replace(/0+$/, '');
        out += f ? `${layout[i]}${f}` : '';
      } else {
        out += `${layout[i]}${f}`;
      }
      i += frac[0].length;
      continue;
    }
    const token = LAYOUT_TOKENS.find((t) => layout.startsWith(t, i));
    if (!token) {
      out += layout[i++];
      continue;
    }
    i += token.length;
    switch (token) {
      case 'January':
        out += MONTHS[p.month - 1];
        break;
      case 'Jan':
        out += MONTHS[p.month - 1].slice(0, 3);
        break;
      case 'Monday':
        out += DAYS[p.weekday];
        break;
      case 'Mon':
        out += DAYS[p.weekday].slice(0, 3);
        break;
      case '2006':
        out += pad(p.year, 4);
        break;
      case '06':
        out += pad(p.year % 100, 2);
        break;
      case '01':
        out += pad(p.month, 2);
        break;
      case '1':
        out += String(p.month);
        break;
      case '02':
        out += pad(p.day, 2);
        break;
      case '2':
        out += String(p.day);
        break;
      case '_2':
        out += String(p.day).padStart(2, ' ');
        break;
      case '__2':
        out += String(p.yday).padStart(3, ' ');
        break;
      case '002':
        out += pad(p.yday, 3);
        break;
      case '15':
        out += pad(p.hour, 2);
        break;
      case '03':
        out += pad(p.hour % 12 || 12, 2);
        break;
      case '3':
        out += String(p.hour % 12 || 12);
        break;
      case '04':
        out += pad(p.minute, 2);
        break;
      case '4':
        out += String(p.minute);
        break;
      case '05':
        out += pad(p.second, 2);
        break;
      case '5':
        out += String(p.second);
        break;
      case 'PM':
        out += p.hour >= 12 ? 'PM' : 'AM';
        break;
      case 'pm':
        out += p.hour >= 12 ? 'pm' : 'am';
        break;
      case 'MST':
        out += p.zoneName;
        break;
      case 'Z07:00':
      case 'Z07:00:00':
        out += zone(p.offset, true, true);
        break;
      case '-07:00':
      case '-07:00:00':
        out += zone(p.offset, true, false);
        break;
      case 'Z0700':
        out += zone(p.offset, false, true);
        break;
      case '-0700':
        out += zone(p.offset, false, false);
        break;
      case 'Z07':
        out += zone(p.offset, false, true, true);
        break;
      case '-07':
        out += zone(p.offset, false, false, true);
        break;
    }
  }
  return out;
}

const NAMED_LAYOUTS: Record<string, string> = {
  ANSIC: 'Mon Jan _2 15:04:05 2006',
  UnixDate: 'Mon Jan _2 15:04:05 MST 2006',
  RubyDate: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST',
  RFC822Z: '02 Jan 06 15:04 -0700',
  RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  RFC3339: '2006-01-02T15:04:05Z07:00',
  RFC3339Nano: '2006-01-02T15:04:05.999999999Z07:00',
  Kitchen: '3:04PM',
  Stamp: 'Jan _2 15:04:05',
  DateTime: '2006-01-02 15:04:05',
  DateOnly: '2006-01-02',
  TimeOnly: '15:04:05',
};

function toNs(fields: {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nanos: number;
  offset: number;
}): number | undefined {
  const ms = Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute, fields.second);
  const d = new Date(ms);
  if (d.getUTCMonth() !== fields.month - 1 || d.getUTCDate() !== fields.day) return undefined;
  const d0 = new Date(0);
  d0.setUTCFullYear(fields.year, fields.month - 1, fields.day);
  const total = BigInt(ms - fields.offset * 60000) * 1_000_000n + BigInt(fields.nanos);
  if (total < NS_MIN || total > NS_MAX) return undefined;
  return Number(total);
}

/** Go layout tokens that read a number into one field of the parsed time. */
const NUMERIC_LAYOUT_FIELDS: Record<
  string,
  { pattern: RegExp; field: 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' }
> = {
  '2006': { pattern: /^\d{4}/, field: 'year' },
  '01': { pattern: /^\d{2}/, field: 'month' },
  '1': { pattern: /^\d{1,2}/, field: 'month' },
  '02': { pattern: /^\d{2}/, field: 'day' },
  '2': { pattern: /^\d{1,2}/, field: 'day' },
  _2: { pattern: /^( \d|\d{2})/, field: 'day' },
  '15': { pattern: /^\d{2}/, field: 'hour' },
  '03': { pattern: /^\d{2}/, field: 'hour' },
  '3': { pattern: /^\d{1,2}/, field: 'hour' },
  '04': { pattern: /^\d{2}/, field: 'minute' },
  '4': { pattern: /^\d{1,2}/, field: 'minute' },
  '05': { pattern: /^\d{2}/, field: 'second' },
  '5': { pattern: /^\d{1,2}/, field: 'second' },
};

/** Parses `value` with a Go layout. */
function parseLayout(layout: string, value: string): number | undefined {
  const f = { year: 1, month: 1, day: 1, hour: 0, minute: 0, second: 0, nanos: 0, offset: 0 };
  let pm: boolean | undefined;
  let i = 0;
  let v = 0;
  const take = (re: RegExp): string | undefined => {
    const m = re.exec(value.slice(v));
    if (!m) return undefined;
    v += m[0].length;
    return m[0];
  };
  while (i < layout.length) {
    const frac = /^[.,](0+|9+)/.exec(layout.slice(i));
    if (frac) {
      i += frac[0].length;
      const got = take(frac[1][0] === '9' ? /^([.,]\d+)?/ : new RegExp(`^[.,]\\d{${frac[1].length}}`));
      if (got === undefined) return undefined;
      if (got) f.nanos = Number(got.slice(1).padEnd(9, '0').slice(0, 9));
      continue;
    }
    const token = LAYOUT_TOKENS.find((t) => layout.startsWith(t, i));
    if (!token) {
      if (value[v] !== layout[i]) return undefined;
      i++;
      v++;
      continue;
    }
    i += token.length;
    let got: string | undefined;
    switch (token) {
      case 'January':
        got = take(new RegExp(`^(${MONTHS.join('|')})`));
        if (got) f.month = MONTHS.indexOf(got) + 1;
        break;
      case 'Jan':
        got = take(new RegExp(`^(${MONTHS.map((m) => m.slice(0, 3)).join('|')})`));
        if (got) f.month = MONTHS.findIndex((m) => m.startsWith(got as string)) + 1;
        break;
      case 'Monday':
        got = take(new RegExp(`^(${DAYS.join('|')})`));
        break;
      case 'Mon':
        got = take(new RegExp(`^(${DAYS.map((d) => d.slice(0, 3)).join('|')})`));
        break;
      case '06':
        got = take(/^\d{2}/);
        if (got) f.year = Number(got) + (Number(got) >= 69 ? 1900 : 2000);
        break;
      case '__2':
      case '002':
        got = take(/^[ \d]{3}/);
        break;
      case '2006':
      case '01':
      case '1':
      case '02':
      case '2':
      case '_2':
      case '15':
      case '03':
      case '3':
      case '04':
      case '4':
      case '05':
      case '5': {
        const { pattern, field } = NUMERIC_LAYOUT_FIELDS[token];
        got = take(pattern);
        if (got) f[field] = Number(got.trim());
        break;
      }
      case 'PM':
      case 'pm':
        got = take(/^(AM|PM|am|pm)/);
        if (got) pm = got.toUpperCase() === 'PM';
        break;
      case 'MST':
        got = take(/^[A-Z]{3,4}/);
        break;
      default: {
        // zone offsets
        got = take(/^(Z|[+-]\d{2}(:?\d{2})?(:?\d{2})?)/);
        if (got && got !== 'Z') {
          const digits = got.replace(/[:+-]/g, '');
          const mins = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
          f.offset = got.startsWith('-') ? -mins : mins;
        } else if (got === 'Z' && token.startsWith('-')) {
          return undefined;
        }
      }
    }
    if (got === undefined) return undefined;
    // A fractional second may follow seconds even when the layout has none.
    if ((token === '05' || token === '5') && !/^[.,][09]/.test(layout.slice(i))) {
      const fracGot = take(/^[.,]\d+/);
      if (fracGot) f.nanos = Number(fracGot.slice(1).padEnd(9, '0').slice(0, 9));
    }
  }
  if (v !== value.length) return undefined;
  if (pm !== undefined) {
    if (f.hour > 12) return undefined;
    if (pm && f.hour < 12) f.hour += 12;
    if (!pm && f.hour === 12) f.hour = 0;
  }
  if (f.month < 1 || f.month > 12 || f.hour > 23 || f.minute > 59 || f.second > 59) return undefined;
  return toNs(f);
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

function parseDuration(x: unknown): number | undefined {
  if (typeof x !== 'string') return undefined;
  let s = x;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    sign = s.startsWith('-') ? -1 : 1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  let total = 0;
  const re = /^(\d*\.?\d*)(ns|us|µs|μs|ms|s|m|h)/;
  while (s.length > 0) {
    const m = re.exec(s);
    if (!m || m[1] === '' || m[1] === '.') return undefined;
    total += Number(m[1]) * DURATION_UNITS[m[2]];
    s = s.slice(m[0].length);
  }
  return sign * Math.round(total);
}

function diff(a: unknown, b: unknown): number[] | undefined {
  const x = timeArg(a);
  const y = timeArg(b);
  if (!x || !y) return undefined;
  // Like Go: both times in the first one's location.
  let p1 = partsOf(x.ns, x.tz);
  let p2 = partsOf(y.ns, x.tz);
  if (!p1 || !p2) return undefined;
  if (x.ns > y.ns) [p1, p2] = [p2, p1];
  let years = p2.year - p1.year;
  let months = p2.month - p1.month;
  let days = p2.day - p1.day;
  let hours = p2.hour - p1.hour;
  let minutes = p2.minute - p1.minute;
  let seconds = p2.second - p1.second;
  if (seconds < 0) {
    seconds += 60;
    minutes--;
  }
  if (minutes < 0) {
    minutes += 60;
    hours--;
  }
  if (hours < 0) {
    hours += 24;
    days--;
  }
  if (days < 0) {
    // Borrow the length of the earlier time's month (as OPA does).
    days += new Date(Date.UTC(p1.year, p1.month, 0)).getUTCDate();
    months--;
  }
  if (months < 0) {
    months += 12;
    years--;
  }
  return [years, months, days, hours, minutes, seconds];
}

export const TIME_BUILTINS: Record<string, HostBuiltin> = {
  'time.now_ns': () => Date.now() * 1e6,
  'time.parse_rfc3339_ns': (x) => (typeof x === 'string' ? parseLayout(NAMED_LAYOUTS.RFC3339, x) : undefined),
  'time.parse_ns': (layout, value) => {
    if (typeof layout !== 'string' || typeof value !== 'string') return undefined;
    return parseLayout(NAMED_LAYOUTS[layout] ?? layout, value);
  },
  'time.parse_duration_ns': parseDuration,
  'time.date': (x) => {
    const t = timeArg(x);
    const p = t && partsOf(t.ns, t.tz);
    return p ? [p.year, p.month, p.day] : undefined;
  },
  'time.clock': (x) => {
    const t = timeArg(x);
    const p = t && partsOf(t.ns, t.tz);
    return p ? [p.hour, p.minute, p.second] : undefined;
  },
  'time.weekday': (x) => {
    const t = timeArg(x);
    const p = t && partsOf(t.ns, t.tz);
    return p ? DAYS[p.weekday] : undefined;
  },
  'time.add_date': (ns, years, months, days) => {
    if ([ns, years, months, days].some((v) => typeof v !== 'number')) return undefined;
    const { ms, nanos } = splitNs(ns as number);
    const d = new Date(ms);
    const out = Date.UTC(
      d.getUTCFullYear() + (years as number),
      d.getUTCMonth() + (months as number),
      d.getUTCDate() + (days as number),
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
    );
    const total = BigInt(out) * 1_000_000n + BigInt(nanos);
    if (total < NS_MIN || total > NS_MAX) return undefined;
    return Number(total);
  },
  'time.diff': diff,
  'time.format': (x) => {
    const t = timeArg(x);
    const p = t && partsOf(t.ns, t.tz);
    if (!t || !p) return undefined;
    return formatLayout(NAMED_LAYOUTS[t.layout ?? 'RFC3339Nano'] ?? t.layout ?? '', p);
  },
};
