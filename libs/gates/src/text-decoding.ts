/**
 * Decoding helpers shared by detectors. All of them are single passes over the input (linear time).
 */

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

/**
 * One round of percent-decoding that never throws: valid UTF-8 sequences become their characters,
 * overlong encodings of ASCII (e.g. `%c0%ae` for `.`, `%e0%80%af` for `/`) are decoded to the ASCII they
 * smuggle (as a lenient server would), `%uXXXX` is decoded too, anything else is kept as is.
 */
export function percentDecode(text: string): string {
  if (!text.includes('%')) return text;
  let out = '';
  let i = 0;
  const byteAt = (at: number): number => {
    if (at + 2 >= text.length || text.charCodeAt(at) !== 37 /* % */) return -1;
    const hi = hexValue(text.charCodeAt(at + 1));
    const lo = hexValue(text.charCodeAt(at + 2));
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
  };
  while (i < text.length) {
    if (text.charCodeAt(i) !== 37) {
      // Copy the run up to the next `%` in one slice.
      const next = text.indexOf('%', i);
      const end = next < 0 ? text.length : next;
      out += text.slice(i, end);
      i = end;
      continue;
    }
    if ((text[i + 1] === 'u' || text[i + 1] === 'U') && i + 5 < text.length) {
      const digits = [2, 3, 4, 5].map((k) => hexValue(text.charCodeAt(i + k)));
      if (digits.every((d) => d >= 0)) {
        out += String.fromCharCode(digits[0] * 4096 + digits[1] * 256 + digits[2] * 16 + digits[3]);
        i += 6;
        continue;
      }
    }
    const b0 = byteAt(i);
    if (b0 < 0) {
      out += '%';
      i += 1;
      continue;
    }
    if (b0 < 0x80) {
      out += String.fromCharCode(b0);
      i += 3;
      continue;
    }
    const need = b0 >= 0xf0 ? 3 : b0 >= 0xe0 ? 2 : b0 >= 0xc0 ? 1 : 0;
    let value = need === 3 ? b0 & 0x07 : need === 2 ? b0 & 0x0f : b0 & 0x1f;
    let ok = need > 0;
    for (let k = 1; ok && k <= need; k += 1) {
      const b = byteAt(i + 3 * k);
      if (b < 0 || (b & 0xc0) !== 0x80) ok = false;
      else value = value * 64 + (b & 0x3f);
    }
    if (!ok) {
      out += text.slice(i, i + 3);
      i += 3;
      continue;
    }
    out += value <= 0x10ffff ? String.fromCodePoint(value) : '\ufffd';
    i += 3 * (need + 1);
  }
  return out;
}

/** Decodes percent-encoding repeatedly (double and triple encoding) up to `rounds` times. */
export function percentDecodeDeep(text: string, rounds = 3): string {
  let current = text;
  for (let r = 0; r < rounds; r += 1) {
    const next = percentDecode(current);
    if (next === current) break;
    current = next;
  }
  return current;
}

/** Shannon entropy in bits per character. */
export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let entropy = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

/** A short, non-reversible hint of a secret for a finding's detail: its first 4 characters and length. */
export function redact(secret: string): string {
  return `${secret.slice(0, 4)}… (${secret.length} chars)`;
}

/** Quotes a snippet of hostile text for a finding's detail, bounded and with control characters escaped. */
export function snippet(text: string, max = 60): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut);
}
