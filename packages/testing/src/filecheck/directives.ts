/** The check directives we read, as LLVM FileCheck spells them. */
export const DIRECTIVE_KINDS = ['CHECK', 'CHECK-NEXT', 'CHECK-SAME', 'CHECK-NOT', 'CHECK-LABEL', 'CHECK-DAG'] as const;
export type DirectiveKind = (typeof DIRECTIVE_KINDS)[number];

export interface Directive {
  kind: DirectiveKind;
  /** The pattern text after the colon, without leading and trailing blanks. */
  pattern: string;
  /** 1-based line of the directive in the check text. */
  line: number;
}

/** A failed directive (or a malformed check file), located in the check text and, where it applies, in the output. */
export interface CheckError {
  /** 1-based line of the directive in the check text (0 when the error concerns the whole check text). */
  line: number;
  /** The directive that failed, or 'FileCheck' for a problem of the check text as a whole. */
  directive: DirectiveKind | 'FileCheck';
  /** The directive's pattern as written, when there is one. */
  pattern?: string;
  /** One line: what went wrong. */
  message: string;
  /** 1-based output line the error points at. */
  outputLine?: number;
  /** Numbered output lines around `outputLine`, marked. */
  context?: string;
}

const DIRECTIVE = /(?<![A-Za-z0-9_-])CHECK(-[A-Za-z0-9]+)?:/;

function isKind(s: string): s is DirectiveKind {
  return (DIRECTIVE_KINDS as readonly string[]).includes(s);
}

/**
 * Finds the directives of a check text (one per line, anywhere on the line, as FileCheck does) and
 * reports the malformed ones: an unknown `CHECK-XXX:`, an empty pattern, a CHECK-NEXT or CHECK-SAME
 * with no positive directive before it.
 */
export function parseDirectives(text: string): { directives: Directive[]; errors: CheckError[] } {
  const directives: Directive[] = [];
  const errors: CheckError[] = [];
  let sawPositive = false;
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const m = DIRECTIVE.exec(raw);
    if (!m) return;
    const kind = `CHECK${m[1] ?? ''}`;
    const pattern = raw.slice(m.index + m[0].length).trim();
    if (!isKind(kind)) {
      errors.push({ line, directive: 'FileCheck', message: `unknown directive '${kind}:': use one of ${DIRECTIVE_KINDS.map((k) => `${k}:`).join(', ')}` });
      return;
    }
    if (pattern === '') {
      errors.push({ line, directive: kind, message: `found an empty pattern: write the text to look for after '${kind}:'` });
      return;
    }
    if ((kind === 'CHECK-NEXT' || kind === 'CHECK-SAME') && !sawPositive) {
      errors.push({ line, directive: kind, pattern, message: `found '${kind}:' without a previous 'CHECK:' or 'CHECK-LABEL:' line` });
      return;
    }
    if (kind !== 'CHECK-NOT' && kind !== 'CHECK-DAG') sawPositive = true;
    directives.push({ kind, pattern, line });
  });
  return { directives, errors };
}
