import type { Finding, Severity } from '../finding';
import type { ScanContext } from '../scan-context';
import { percentDecodeDeep } from '../text-decoding';

// Separators an injection may use between keywords: whitespace, `+`, inline comments.
const SEP = String.raw`(?:[\s+]|\/\*[^*]{0,64}\*\/)`;
// A quoted operand may lack its closing quote: the application's own quote completes it (`' or 'a'='a`).
const OPERAND = String.raw`(?:'[^'\n]{0,32}'?|"[^"\n]{0,32}"?|[\w.]{1,32})`;
/** `… OR 1=1`, `' or 'a'='a`, `" OR ""="`: both sides captured, compared in code. */
const TAUTOLOGY = new RegExp(
  String.raw`(['")\d]|^)${SEP}{0,8}(or|and|\|\||&&)${SEP}{1,8}\(?${SEP}{0,4}(${OPERAND})${SEP}{0,4}(=|<>|!=|like|is)${SEP}{0,4}(${OPERAND})`,
  'gi',
);
const OR_TRUE = new RegExp(
  String.raw`['")]${SEP}{0,8}or${SEP}{1,8}(?:true|not${SEP}{1,4}false|[1-9]\d{0,8})${SEP}{0,8}(?:--|#|\/\*|;|$|\))`,
  'i',
);
const UNION_SELECT = new RegExp(
  String.raw`(['")\d]|^)${SEP}{0,8}union(?:${SEP}{1,8}(?:all|distinct))?${SEP}{1,8}\(?${SEP}{0,4}select\b`,
  'i',
);
const QUOTE_COMMENT = /['"]\)?\s{0,8}(?:--|#|\/\*|;\s{0,8}--|;\s{0,8}$)/;
/** A `;` followed by a statement that reads or changes data (prose after `;` rarely looks like this). */
const STACKED =
  /;\s{0,8}(?:(drop\s{1,8}(?:table|database|schema|user|index|view|function)|delete\s{1,8}from|truncate\s{1,8}(?:table\s{1,8})?[\w."]|alter\s{1,8}(?:table|user|role|database)|grant\s{1,8}\w|revoke\s{1,8}\w|shutdown\b|exec(?:ute)?\s{1,8}[\w.]|declare\s{1,8}@)|insert\s{1,8}into|update\s{1,8}[\w."]{1,64}\s{1,8}set\b|select\s{1,8}[^;]{1,128}?\bfrom\b|select\s{1,8}(?:pg_|sleep|load_file|@@|version|user|current_user|database)|create\s{1,8}(?:user|role|table|function|trigger))/i;
/** A quote closing a value, then a SQL clause, then a comment swallowing the rest of the query. */
const QUOTE_CLAUSE_COMMENT =
  /['"]\)?\s{1,8}(?:order\s{1,8}by|group\s{1,8}by|having|union|and|or|limit|procedure|where)\b[^'"\n]{0,80}?(?:--|#|\/\*)[^'"\n]{0,8}$/i;
const VERSIONED_COMMENT = /\/\*![0-9]{0,6}/;
const SPLIT_KEYWORD = /\b(?:sel|uni|un|ins|upd|del|dro)\/\*[^*]{0,16}\*\/(?:ect|on|ion|ert|ate|ete|op)\b/i;
const TIME_BASED =
  /(?:\b(?:and|or|select|if|then|else)|['";,(|&])\s{0,8}(?:pg_sleep|sleep|benchmark|dbms_pipe\.receive_message)\s{0,4}\(\s{0,4}['"\d]|\bwaitfor\s{1,8}delay\s{1,8}['"]/i;
const DANGEROUS_FUNCTIONS =
  /\b(?:xp_cmdshell|sp_oacreate|sp_executesql|load_file\s{0,4}\(|into\s{1,8}(?:out|dump)file|information_schema\s{0,4}\.|pg_read_file\s{0,4}\(|lo_import\s{0,4}\(|utl_http\.|sqlite_master\b|extractvalue\s{0,4}\(|updatexml\s{0,4}\()/i;
const SHOUTED_DDL = /(?:^|;)\s{0,8}(?:drop\s{1,8}(?:table|database|schema)|truncate\s{1,8}table)\b/i;

function normaliseOperand(operand: string): string {
  return operand.replace(/^['"]|['"]$/g, '').toLowerCase();
}

/**
 * SQL injection: tautologies (`' OR 1=1 --`, `' or 'a'='a`), UNION SELECT after a quote or number,
 * quote-then-comment (`admin'--`), stacked queries (`'; DROP TABLE …`), comment tricks (`/*!50000…`,
 * `UNI/**\/ON`), time-based probes and dangerous functions. In fields that legitimately carry SQL
 * (`query`, `sql` …) UNION and stacked statements are expected, so only the hostile forms are reported.
 */
export function detectSqlInjection(text: string, context: ScanContext, out: Finding[]): void {
  if (context.isKey) return;
  const decoded = text.includes('%') ? percentDecodeDeep(text) : text;
  const sqlField = context.kind === 'sql';
  const reasons: string[] = [];
  let severity: Severity | undefined;
  const hit = (s: Severity, reason: string): void => {
    reasons.push(reason);
    const rank = { low: 1, medium: 2, high: 3, critical: 4 };
    if (!severity || rank[s] > rank[severity]) severity = s;
  };
  // Matches may overlap (`' OR ' OR 1=1`): after a non-tautology, resume one character later.
  TAUTOLOGY.lastIndex = 0;
  for (let m = TAUTOLOGY.exec(decoded); m !== null; m = TAUTOLOGY.exec(decoded)) {
    const left = normaliseOperand(m[3]);
    const right = normaliseOperand(m[5]);
    const op = m[4].toLowerCase();
    const always = (op === '=' || op === 'like' || op === 'is') && left === right;
    const quotedStart = m[1] !== '' && m[1] !== undefined && /['")]/.test(m[1]);
    if (always && (quotedStart || /^\d+$/.test(left) || sqlField)) {
      hit('high', `tautology ${m[2].toUpperCase()} ${m[3]}${m[4]}${m[5]}`);
      break;
    }
    TAUTOLOGY.lastIndex = m.index + 1;
  }
  if (OR_TRUE.test(decoded)) hit('high', 'always-true OR after a quote');
  if (!sqlField && UNION_SELECT.test(decoded)) hit('high', 'UNION SELECT');
  if (QUOTE_COMMENT.test(decoded) && !sqlField && /['"]/.test(decoded) && /(?:--|#|\/\*|;)/.test(decoded)) {
    // Quote-then-comment is only meaningful when it closes a quoted value: require an odd number of quotes.
    const quotes = (decoded.match(/'/g)?.length ?? 0) + (decoded.match(/"/g)?.length ?? 0);
    if (quotes % 2 === 1) hit('high', 'quote followed by a comment or statement end');
  }
  if (!sqlField && QUOTE_CLAUSE_COMMENT.test(decoded)) {
    const quotes = (decoded.match(/'/g)?.length ?? 0) + (decoded.match(/"/g)?.length ?? 0);
    if (quotes % 2 === 1) hit('high', 'quote, SQL clause and a trailing comment');
  }
  const stacked = STACKED.exec(decoded);
  // In SQL fields several statements may be expected; a destructive one stacked after another is not.
  if (stacked && (!sqlField || stacked[1] !== undefined)) hit('high', 'stacked query');
  if (sqlField && SHOUTED_DDL.test(decoded)) hit('high', 'destructive DDL statement');
  if (VERSIONED_COMMENT.test(decoded)) hit('high', 'MySQL versioned comment');
  if (SPLIT_KEYWORD.test(decoded)) hit('high', 'keyword split by an inline comment');
  if (TIME_BASED.test(decoded)) hit(sqlField ? 'medium' : 'high', 'time-based probe');
  if (DANGEROUS_FUNCTIONS.test(decoded))
    hit(sqlField ? 'medium' : 'high', 'dangerous SQL function or catalog');
  if (severity)
    out.push({ detector: 'sql-injection', path: context.path, severity, detail: reasons.join('; ') });
}
