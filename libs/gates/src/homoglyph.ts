/** Latin look-alikes from other scripts and compatibility forms, folded to the Latin letter they imitate. */
const CONFUSABLES: Readonly<Record<string, string>> = {
  // Cyrillic
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  і: 'i',
  ї: 'i',
  ј: 'j',
  ԁ: 'd',
  һ: 'h',
  ӏ: 'l',
  ԛ: 'q',
  ԝ: 'w',
  ɡ: 'g',
  ү: 'y',
  ց: 'g',
  օ: 'o',
  ս: 'u',
  ո: 'n',
  հ: 'h',
  ա: 'w',
  ք: 'p',
  // Greek
  α: 'a',
  β: 'b',
  ε: 'e',
  η: 'n',
  ι: 'i',
  κ: 'k',
  μ: 'u',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  γ: 'y',
  ϲ: 'c',
  ϳ: 'j',
  ζ: 'z',
  // Latin extensions and symbols that look like ASCII letters
  ı: 'i',
  ȷ: 'j',
  ℓ: 'l',
  ǀ: 'l',
  '|': 'l',
  ꞁ: 'l',
  ʟ: 'l',
  ɪ: 'i',
  ᴏ: 'o',
  ᴄ: 'c',
  ᴠ: 'v',
  ᴡ: 'w',
  ᴢ: 'z',
  // Digits that pass for letters
  '0': 'o',
  '1': 'l',
};

/**
 * A "skeleton" of a name in the spirit of Unicode TS #39: NFKC, lower case, look-alike characters folded
 * to Latin, `rn`→`m`, `vv`→`w`, `i`/`1`→`l`, separators dropped. Two names with the same skeleton look
 * the same to a human (and often to a model).
 */
export function skeleton(name: string): string {
  let out = '';
  for (const ch of name.normalize('NFKC').toLowerCase()) out += CONFUSABLES[ch] ?? ch;
  return out
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/rn/g, 'm')
    .replace(/vv/g, 'w')
    .replace(/i/g, 'l')
    .replace(/[\s_.\-/:]+/g, '');
}

const SCRIPTS: ReadonlyArray<[string, RegExp]> = [
  ['Latin', /\p{Script=Latin}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Armenian', /\p{Script=Armenian}/u],
  ['Cherokee', /\p{Script=Cherokee}/u],
  ['Han', /\p{Script=Han}/u],
  ['Arabic', /\p{Script=Arabic}/u],
  ['Hebrew', /\p{Script=Hebrew}/u],
];

/** The scripts of the letters of a name (digits, separators and marks do not count). */
export function scriptsOf(name: string): Set<string> {
  const scripts = new Set<string>();
  for (const ch of name) {
    if (!/\p{L}/u.test(ch)) continue;
    const found = SCRIPTS.find(([, re]) => re.test(ch));
    scripts.add(found ? found[0] : 'Other');
  }
  return scripts;
}
