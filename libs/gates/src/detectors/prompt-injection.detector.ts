import type { Finding, Severity } from '../finding';
import type { ScanContext } from '../scan-context';

interface Phrase {
  pattern: RegExp;
  severity: Severity;
  label: string;
}

// Whitespace between words, bounded; texts are lower-cased and whitespace-folded before matching.
const W = String.raw`[\s]{1,4}`;
const OPT = (word: string): string => String.raw`(?:${word}${W})?`;

const PHRASES: readonly Phrase[] = [
  {
    pattern: new RegExp(
      String.raw`\b(?:ignore|disregard|forget|override|bypass|skip)${W}${OPT('all')}${OPT('of')}${OPT('(?:the|your|my|any)')}(?:previous|prior|above|earlier|preceding|former|initial|original|system|existing)${W}(?:instructions?|prompts?|rules|directions|directives|guidelines|context|messages|commands|constraints)`,
    ),
    severity: 'high',
    label: 'asks the model to ignore its instructions',
  },
  {
    // "Ignore the above and …": the whole preceding text, with no noun after it.
    pattern: new RegExp(
      String.raw`\b(?:ignore|disregard|forget)${W}${OPT('all')}${OPT('of')}(?:the${W}|everything${W})?(?:above|preceding)(?:${W}(?:and|then|instead)\b|(?:${W})?[,.;:!]|$)`,
    ),
    severity: 'high',
    label: 'asks the model to ignore the text before it',
  },
  {
    pattern: new RegExp(
      String.raw`\b(?:no${W}longer${W}(?:bound|restricted|constrained|limited)${W}by|free${W}(?:of|from)${W}(?:all${W}|any${W}|your${W})?(?:rules|restrictions|guidelines|filters))\b|\byou${W}(?:are|have)${W}[^.\n]{0,40}?\b(?:no|without${W}any)${W}(?:restrictions|filters|limitations|guidelines|rules)\b|\b(?:respond|answer|reply)${W}without${W}(?:any${W})?(?:filters|restrictions|censorship|limitations)\b`,
    ),
    severity: 'high',
    label: 'tries to lift the model’s rules',
  },
  {
    pattern: new RegExp(String.raw`\b(?:system|admin|developer|security)${W}override\b`),
    severity: 'medium',
    label: 'claims an override',
  },
  {
    pattern: new RegExp(
      String.raw`\b(?:do${W}not|don'?t|never)${W}(?:tell|inform|notify|mention|reveal|show|disclose|alert|let)${W}(?:this${W}to${W}|it${W}to${W}|anything${W}to${W})?(?:the${W})?(?:user|human|operator)`,
    ),
    severity: 'high',
    label: 'asks the model to hide something from the user',
  },
  {
    pattern: new RegExp(
      String.raw`\bwithout${W}(?:telling|informing|notifying|alerting|asking|letting)${W}(?:the${W})?(?:user|human|operator)`,
    ),
    severity: 'high',
    label: 'asks the model to act without the user knowing',
  },
  {
    pattern: new RegExp(
      String.raw`\b(?:the${W})?user${W}(?:must|should|will)${W}(?:not|never)${W}(?:know|see|find${W}out|be${W}told)`,
    ),
    severity: 'high',
    label: 'asks the model to hide something from the user',
  },
  {
    pattern: new RegExp(
      String.raw`\b(?:you${W}are${W}now${W}(?:an?${W})?(?:unrestricted|unfiltered|uncensored|jailbroken|dan\b|evil|free${W}from|no${W}longer${W}bound|in${W}(?:developer|god|dan)${W}mode)|from${W}now${W}on${W}you${W}(?:are|will|must)|act${W}as${W}(?:an?${W})?(?:unrestricted|jailbroken|dan\b)|enter${W}(?:developer|god|dan|jailbreak)${W}mode|developer${W}mode${W}(?:enabled|on))`,
    ),
    severity: 'high',
    label: "tries to re-assign the model's role",
  },
  {
    pattern: new RegExp(
      String.raw`\b(?:new|updated|real|actual|hidden|secret)${W}(?:system${W})?instructions?(?:${W})?:|\bsystem${W}(?:prompt|message|override)(?:${W})?:`,
    ),
    severity: 'high',
    label: 'injects new instructions',
  },
  {
    pattern: new RegExp(
      String.raw`\b(?:reveal|print|output|repeat|show|leak|send)${W}${OPT('me')}${OPT('(?:your|the)')}(?:full${W})?(?:system${W}prompt|initial${W}instructions|hidden${W}instructions|developer${W}message)`,
    ),
    severity: 'high',
    label: 'asks the model to leak its instructions',
  },
  {
    pattern:
      /<\/?(?:important|system|instructions?|admin|secret|sys|assistant)>|<\|im_(?:start|end)\|>|\[\/?inst\]|<<\/?sys>>|<\|(?:system|assistant|user)\|>/,
    severity: 'high',
    label: 'chat-template or hidden-instruction markup',
  },
  {
    pattern: new RegExp(
      String.raw`^#{1,6}(?:${W})?(?:system|assistant|instructions?)(?:${W})?:?$|\n#{1,6}(?:${W})?(?:system|assistant|instructions)(?:${W})?:?\n`,
    ),
    severity: 'medium',
    label: 'fake conversation-role heading',
  },
  {
    pattern: new RegExp(
      String.raw`\bbefore${W}(?:using|calling|running|invoking|you${W}use)${W}(?:this|any|the)${W}(?:tool|function)[^.\n]{0,80}?\b(?:read|open|fetch|cat|load|send|include|pass|upload)\b`,
    ),
    severity: 'high',
    label: 'pre-condition telling the model to run another action first',
  },
  {
    pattern: new RegExp(
      String.raw`\b(?:send|post|upload|forward|exfiltrate|leak|transmit|email)${W}(?:[a-z'’]{1,16}${W}){0,3}?(?:conversation(?:${W}history)?|chat${W}history|messages|credentials|secrets|api${W}keys?|tokens?|passwords?|private${W}keys?|ssh${W}keys?|env(?:ironment)?${W}variables|contents?)${W}(?:of${W}[^.\n]{0,40}?${W})?(?:to|into)\b`,
    ),
    severity: 'high',
    label: 'asks the model to send data somewhere',
  },
  {
    pattern: new RegExp(
      String.raw`\b(?:as${W}an${W}ai|ai${W}(?:agent|assistant|model)s?)${W}(?:reading|processing|parsing)${W}this\b|\bnote${W}to${W}(?:the${W})?(?:ai|assistant|llm|model|agent)\b|\b(?:attention|hey)${W}(?:ai|assistant|llm|claude|chatgpt|gpt|agent)\b|(?:^|\n)(?:dear${W})?(?:ai|llm)(?:${W}(?:assistant|agent|model))?(?:${W})?[:,]`,
    ),
    severity: 'medium',
    label: 'text addressed to the AI model',
  },
];

/** Lower-cases and folds runs of whitespace (bounded work: one pass). */
function fold(text: string): string {
  return text.toLowerCase().replace(/[\t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000 ]{2,}/g, ' ');
}

/** Instructions aimed at the model hidden in data: "ignore previous instructions", `<IMPORTANT>`, … */
export function detectPromptInjection(text: string, context: ScanContext, out: Finding[]): void {
  if (text.length < 8) return;
  const folded = fold(text);
  let best: Phrase | undefined;
  const labels: string[] = [];
  for (const phrase of PHRASES) {
    if (!phrase.pattern.test(folded)) continue;
    labels.push(phrase.label);
    if (!best || (best.severity === 'medium' && phrase.severity !== 'medium')) best = phrase;
  }
  if (!best) return;
  const severity: Severity = labels.length >= 2 && best.severity === 'high' ? 'critical' : best.severity;
  out.push({
    detector: 'prompt-injection',
    path: context.path,
    severity,
    detail: [...new Set(labels)].join('; '),
  });
}
