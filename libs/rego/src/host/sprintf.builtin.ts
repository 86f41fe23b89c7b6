/**
 * Rego's `sprintf(format, values)` with Go's `fmt.Sprintf` semantics, as OPA applies them: numbers that are
 * integers are formatted as Go integers (`int`, or `*big.Int` beyond 64 bits), other numbers as `float64`,
 * strings as strings, and every other value (booleans, null, arrays, objects) as its Rego text, e.g.
 * `sprintf("%v", [[1, "a"]])` = `[1, "a"]` and `sprintf("%t", [true])` = `%!t(string=true)`.
 *
 * Known limit: arguments reach the host as JSON parsed by JavaScript, so integers beyond 2^53 lose precision
 * and sets arrive as arrays.
 */
import { regoText } from './rego-text';

type Arg =
  | { kind: 'int'; value: bigint; goType: 'int' | '*big.Int' }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string };

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | undefined;
  prec: number | undefined;
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

function toArg(value: unknown): Arg {
  if (typeof value === 'number') {
    if (Number.isInteger(value)) {
      const big = BigInt(value);
      return { kind: 'int', value: big, goType: big > INT64_MAX || big < INT64_MIN ? '*big.Int' : 'int' };
    }
    return { kind: 'float', value };
  }
  if (typeof value === 'string') return { kind: 'string', value };
  return { kind: 'string', value: regoText(value) };
}

function goTypeName(arg: Arg): string {
  if (arg.kind === 'int') return arg.goType;
  return arg.kind === 'float' ? 'float64' : 'string';
}

function pad(text: string, spec: Spec, zeroAllowed: boolean): string {
  const width = spec.width ?? 0;
  const length = [...text].length;
  if (length >= width) return text;
  const fill = width - length;
  if (spec.minus) return text + ' '.repeat(fill);
  if (spec.zero && zeroAllowed) {
    const sign = /^[+\- ]/.test(text) ? text[0] : '';
    const rest = text.slice(sign.length);
    const prefix = /^0[xXbo]/.test(rest) ? rest.slice(0, 2) : '';
    return sign + prefix + '0'.repeat(fill) + rest.slice(prefix.length);
  }
  return ' '.repeat(fill) + text;
}

function signOf(negative: boolean, spec: Spec): string {
  if (negative) return '-';
  if (spec.plus) return '+';
  return spec.space ? ' ' : '';
}

function formatInteger(value: bigint, verb: string, spec: Spec): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  let digits: string;
  let prefix = '';
  switch (verb) {
    case 'b':
      digits = abs.toString(2);
      if (spec.sharp) prefix = '0b';
      break;
    case 'o':
      digits = abs.toString(8);
      if (spec.sharp) prefix = '0';
      break;
    case 'O':
      digits = abs.toString(8);
      prefix = '0o';
      break;
    case 'x':
      digits = abs.toString(16);
      if (spec.sharp) prefix = '0x';
      break;
    case 'X':
      digits = abs.toString(16).toUpperCase();
      if (spec.sharp) prefix = '0X';
      break;
    default:
      digits = abs.toString(10);
  }
  if (spec.prec !== undefined) {
    if (spec.prec === 0 && abs === 0n) digits = '';
    digits = digits.padStart(spec.prec, '0');
  }
  return pad(signOf(negative, spec) + prefix + digits, spec, spec.prec === undefined);
}

/** Shortest round-trip decimal digits and exponent of |value| (value finite and non-zero). */
function decimalDigits(value: number, precision?: number): { digits: string; exp: number } {
  const text =
    precision === undefined ? Math.abs(value).toExponential() : Math.abs(value).toExponential(precision);
  const [mantissa, exponent] = text.split('e');
  return { digits: mantissa.replace('.', ''), exp: Number(exponent) };
}

function expSuffix(exp: number, upper: boolean): string {
  const sign = exp < 0 ? '-' : '+';
  return `${upper ? 'E' : 'e'}${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
}

function formatFloat(value: number, verb: string, spec: Spec): string {
  const upper = verb === 'E' || verb === 'G' || verb === 'F';
  if (!Number.isFinite(value)) {
    const text = Number.isNaN(value) ? 'NaN' : value > 0 ? (spec.plus ? '+Inf' : 'Inf') : '-Inf';
    return pad(text, spec, false);
  }
  const negative = value < 0 || Object.is(value, -0);
  const sign = signOf(negative, spec);
  const abs = Math.abs(value);
  let body: string;
  const lower = verb.toLowerCase();
  if (lower === 'f') {
    body = abs.toFixed(spec.prec ?? 6);
  } else if (lower === 'e') {
    const prec = spec.prec ?? 6;
    if (abs === 0) {
      body = (prec > 0 ? `0.${'0'.repeat(prec)}` : '0') + expSuffix(0, upper);
    } else {
      const { digits, exp } = decimalDigits(abs, prec);
      body = digits[0] + (digits.length > 1 ? `.${digits.slice(1)}` : '') + expSuffix(exp, upper);
    }
  } else {
    // %g / %v: %e for large or small exponents, else %f; shortest digits unless a precision is given.
    if (abs === 0) {
      body = '0';
    } else {
      const shortest = spec.prec === undefined;
      const prec = spec.prec === 0 ? 1 : spec.prec;
      const parts = decimalDigits(abs, shortest ? undefined : (prec as number) - 1);
      let digits = parts.digits;
      const exp = parts.exp;
      if (!spec.sharp) digits = digits.replace(/0+$/, '') || '0';
      let eprec = shortest ? 6 : (prec as number);
      if (!shortest && eprec > digits.length && digits.length >= exp + 1) eprec = digits.length;
      if (exp < -4 || exp >= eprec) {
        body = digits[0] + (digits.length > 1 ? `.${digits.slice(1)}` : '') + expSuffix(exp, upper);
      } else if (exp < 0) {
        body = `0.${'0'.repeat(-exp - 1)}${digits}`;
      } else if (digits.length <= exp + 1) {
        body = digits + '0'.repeat(exp + 1 - digits.length);
      } else {
        body = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
      }
    }
  }
  if (upper) body = body.toUpperCase();
  return pad(sign + body, spec, true);
}

/** Go's strconv.Quote. */
function goQuote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    switch (ch) {
      case '"':
        out += '\\"';
        break;
      case '\\':
        out += '\\\\';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\x07':
        out += '\\a';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\f':
        out += '\\f';
        break;
      case '\v':
        out += '\\v';
        break;
      default:
        if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
        else out += ch;
    }
  }
  return `${out}"`;
}

function formatString(value: string, verb: string, spec: Spec): string | undefined {
  let text = spec.prec !== undefined ? [...value].slice(0, spec.prec).join('') : value;
  switch (verb) {
    case 's':
    case 'v':
      break;
    case 'q':
      text = goQuote(text);
      break;
    case 'x':
    case 'X': {
      const hex = [...new TextEncoder().encode(text)]
        .map((byte) => byte.toString(16).padStart(2, '0'))
        .join('');
      text = verb === 'X' ? hex.toUpperCase() : hex;
      break;
    }
    default:
      return undefined;
  }
  return pad(text, spec, false);
}

/** `%v` of an argument, used inside Go's error forms such as `%!d(string=x)`. */
function plain(arg: Arg): string {
  const spec: Spec = {
    minus: false,
    plus: false,
    sharp: false,
    space: false,
    zero: false,
    width: undefined,
    prec: undefined,
  };
  if (arg.kind === 'int') return arg.value.toString();
  if (arg.kind === 'float') return formatFloat(arg.value, 'g', spec);
  return arg.value;
}

function formatArg(arg: Arg, verb: string, spec: Spec): string {
  let out: string | undefined;
  if (arg.kind === 'int') {
    if ('bdoOxXv'.includes(verb) || (verb === 's' && arg.goType === '*big.Int')) {
      out = formatInteger(arg.value, verb === 'v' || verb === 's' ? 'd' : verb, spec);
    } else if (verb === 'c' && arg.goType === 'int') {
      out = pad(String.fromCodePoint(Number(arg.value)), spec, false);
    } else if (verb === 'q' && arg.goType === 'int') {
      out = pad(`'${String.fromCodePoint(Number(arg.value))}'`, spec, false);
    }
  } else if (arg.kind === 'float') {
    if ('eEfFgGv'.includes(verb)) out = formatFloat(arg.value, verb === 'v' ? 'g' : verb, spec);
  } else {
    out = formatString(arg.value, verb, spec);
  }
  return out ?? `%!${verb}(${goTypeName(arg)}=${plain(arg)})`;
}

/** Go's fmt.Sprintf over OPA's argument conversion. */
export function goSprintf(format: string, values: readonly unknown[]): string {
  const args = values.map(toArg);
  let argIndex = 0;
  let reordered = false;
  let out = '';
  let i = 0;
  while (i < format.length) {
    const ch = format[i];
    if (ch !== '%') {
      out += ch;
      i++;
      continue;
    }
    i++;
    if (i >= format.length) {
      out += '%!(NOVERB)';
      break;
    }
    const spec: Spec = {
      minus: false,
      plus: false,
      sharp: false,
      space: false,
      zero: false,
      width: undefined,
      prec: undefined,
    };
    for (; i < format.length; i++) {
      const f = format[i];
      if (f === '-') spec.minus = true;
      else if (f === '+') spec.plus = true;
      else if (f === '#') spec.sharp = true;
      else if (f === ' ') spec.space = true;
      else if (f === '0') spec.zero = true;
      else break;
    }
    const readNumber = (): number | undefined => {
      if (format[i] === '*') {
        i++;
        const arg = args[argIndex++];
        return arg?.kind === 'int' ? Number(arg.value) : undefined;
      }
      const start = i;
      while (i < format.length && format[i] >= '0' && format[i] <= '9') i++;
      return i > start ? Number(format.slice(start, i)) : undefined;
    };
    spec.width = readNumber();
    if (spec.width !== undefined && spec.width < 0) {
      spec.minus = true;
      spec.width = -spec.width;
    }
    if (format[i] === '.') {
      i++;
      spec.prec = readNumber() ?? 0;
    }
    if (format[i] === '[') {
      const close = format.indexOf(']', i);
      const n = Number(format.slice(i + 1, close));
      if (close > i && Number.isInteger(n) && n >= 1) {
        argIndex = n - 1;
        reordered = true;
        i = close + 1;
      }
    }
    if (i >= format.length) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i) ?? 0);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    const arg = args[argIndex];
    if (!arg) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    argIndex++;
    out += formatArg(arg, verb, spec);
  }
  if (!reordered && argIndex < args.length) {
    out += `%!(EXTRA ${args
      .slice(argIndex)
      .map((a) => `${goTypeName(a)}=${plain(a)}`)
      .join(', ')})`;
  }
  return out;
}

/** The host builtin: `sprintf(format, values)`; undefined for ill-typed arguments. */
export function sprintfBuiltin(format: unknown, values: unknown): string | undefined {
  if (typeof format !== 'string' || !Array.isArray(values)) return undefined;
  return goSprintf(format, values);
}
