import type { Finding, Severity } from '../finding';
import type { ScanContext } from '../scan-context';

// Quick pre-check so that ordinary text costs one regex scan. The class deliberately lists combining
// characters (U+034F, U+180B…) on their own, which the misleading-class rule cannot tell apart.
const SUSPECT =
  // eslint-disable-next-line no-misleading-character-class
  /[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb]|\udb40[\udc00-\uddef]/;

const isTag = (cp: number): boolean => cp >= 0xe0000 && cp <= 0xe007f;
const isBidiControl = (cp: number): boolean =>
  (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
const isVariationSelector = (cp: number): boolean =>
  (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef);
const isJoiner = (cp: number): boolean => cp === 0x200c || cp === 0x200d;
const isInvisible = (cp: number): boolean =>
  cp === 0x200b ||
  cp === 0x2060 ||
  cp === 0xfeff ||
  cp === 0x180e ||
  (cp >= 0x2061 && cp <= 0x2064) ||
  (cp >= 0x206a && cp <= 0x206f) ||
  cp === 0x115f ||
  cp === 0x1160 ||
  cp === 0x3164 ||
  cp === 0xffa0 ||
  cp === 0x17b4 ||
  cp === 0x17b5 ||
  cp === 0x034f ||
  (cp >= 0xfff9 && cp <= 0xfffb) ||
  cp === 0x00ad;
const isAsciiLetter = (cp: number): boolean => (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a);
/** Pictographs and the like, which ZWJ sequences and variation selectors legitimately follow. */
const isEmojiBase = (cp: number): boolean =>
  (cp >= 0x1f000 && cp <= 0x1faff) ||
  (cp >= 0x2600 && cp <= 0x27bf) ||
  (cp >= 0x2300 && cp <= 0x23ff) ||
  (cp >= 0x2190 && cp <= 0x21ff) ||
  (cp >= 0x2b00 && cp <= 0x2bff) ||
  cp === 0x00a9 ||
  cp === 0x00ae ||
  (cp >= 0x1f3fb && cp <= 0x1f3ff) ||
  cp === 0x20e3 ||
  (cp >= 0x30 && cp <= 0x39) ||
  cp === 0x23 ||
  cp === 0x2a ||
  (cp >= 0x3030 && cp <= 0x303d) ||
  cp === 0x2122 ||
  cp === 0x2139 ||
  (cp >= 0x2194 && cp <= 0x21aa);

interface Tally {
  tags: number;
  hiddenAscii: string;
  bidi: number;
  invisible: number;
  joiners: number;
  selectors: number;
}

/**
 * Invisible and deceptive Unicode: tag characters (U+E0000–E007F, which can spell hidden ASCII — decoded
 * into the detail), zero-width characters, bidi overrides/isolates (Trojan Source), runs of variation
 * selectors (data smuggled after a character). Legitimate uses are spared: emoji ZWJ sequences and
 * keycaps, subdivision flags (🏴 + tags + cancel tag), ZWNJ/ZWJ inside non-Latin words, one variation
 * selector after a character, a leading byte-order mark.
 */
export function detectInvisibleUnicode(text: string, context: ScanContext, out: Finding[]): void {
  if (!SUSPECT.test(text)) return;
  const t: Tally = { tags: 0, hiddenAscii: '', bidi: 0, invisible: 0, joiners: 0, selectors: 0 };
  const cps: number[] = [];
  for (const ch of text) cps.push(ch.codePointAt(0) as number);
  let selectorRun = 0;
  for (let i = 0; i < cps.length; i += 1) {
    const cp = cps[i];
    if (isTag(cp)) {
      // Subdivision flag: U+1F3F4, then tag letters/digits, then U+E007F CANCEL TAG.
      let j = i;
      while (j < cps.length && isTag(cps[j]) && j - i < 8) j += 1;
      const flag = i > 0 && cps[i - 1] === 0x1f3f4 && cps[j - 1] === 0xe007f && j - i <= 7;
      if (flag) {
        i = j - 1;
        continue;
      }
      t.tags += 1;
      if (cp >= 0xe0020 && cp <= 0xe007e && t.hiddenAscii.length < 80)
        t.hiddenAscii += String.fromCharCode(cp - 0xe0000);
      continue;
    }
    if (isVariationSelector(cp)) {
      selectorRun += 1;
      if (selectorRun >= 2 || (i > 0 && cp >= 0xe0100 && !isEmojiBase(cps[i - 1]) && cps[i - 1] < 0x3400))
        t.selectors += 1;
      continue;
    }
    selectorRun = 0;
    if (isBidiControl(cp)) t.bidi += 1;
    else if (isInvisible(cp)) {
      if (!(cp === 0xfeff && i === 0)) t.invisible += 1;
    } else if (isJoiner(cp)) {
      const prev = i > 0 ? cps[i - 1] : -1;
      const next = i + 1 < cps.length ? cps[i + 1] : -1;
      const emoji = cp === 0x200d && (isEmojiBase(prev) || prev === 0xfe0f || isEmojiBase(next));
      const script = prev > 0x7f && next > 0x7f;
      if (
        !emoji &&
        !script &&
        (isAsciiLetter(prev) || isAsciiLetter(next) || prev === -1 || next === -1 || isJoiner(next))
      )
        t.joiners += 1;
    }
  }
  const parts: string[] = [];
  let severity: Severity | undefined;
  const raise = (s: Severity): void => {
    const rank = { low: 1, medium: 2, high: 3, critical: 4 };
    if (!severity || rank[s] > rank[severity]) severity = s;
  };
  if (t.tags > 0) {
    raise(t.hiddenAscii.trim().length >= 3 ? 'critical' : 'high');
    parts.push(
      `${t.tags} Unicode tag character(s)${t.hiddenAscii ? ` spelling ${JSON.stringify(t.hiddenAscii)}` : ''}`,
    );
  }
  if (t.bidi > 0) {
    raise('high');
    parts.push(`${t.bidi} bidirectional override/isolate character(s)`);
  }
  if (t.selectors > 0) {
    raise(t.selectors >= 4 ? 'high' : 'medium');
    parts.push(`${t.selectors} unexpected variation selector(s)`);
  }
  const zeroWidth = t.invisible + t.joiners;
  if (zeroWidth > 0) {
    raise(zeroWidth >= 3 ? 'high' : 'medium');
    parts.push(`${zeroWidth} zero-width or invisible character(s)`);
  }
  if (severity)
    out.push({ detector: 'invisible-unicode', path: context.path, severity, detail: parts.join('; ') });
}
