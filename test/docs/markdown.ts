/**
 * Reading the hand-written docs: headings, tables, links and code spans, outside fenced code.
 */

/** Markdown lines with fenced code blocks blanked out, so `#` or `|` inside code is never read as structure. */
export function proseLines(markdown: string): string[] {
  let fenced = false;
  return markdown.split('\n').map((line) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      return '';
    }
    return fenced ? '' : line;
  });
}

/** The contents of every `code span` in a piece of text. */
export function codeSpans(text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].map((match) => match[1]!);
}

/** The identifier a code span names: `subscribe(spec, handler)` → `subscribe`, `Spec<T>` → `Spec`, `'include'` → `include`. */
export function identifierOf(span: string): string {
  return span.replace(/^'(.*)'$/, '$1').replace(/[(<\s].*$/, '');
}

export interface Table {
  /** The header cells. */
  readonly head: readonly string[];
  /** The body rows' cells. */
  readonly rows: readonly (readonly string[])[];
}

function cellsOf(line: string): string[] {
  // `\|` is a pipe inside a cell.
  return line
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

/** The tables of a block of prose lines, in order. */
export function tablesOf(lines: readonly string[]): Table[] {
  const tables: Table[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i]!.trim().startsWith('|') || !/^\s*\|[\s|:-]+\|\s*$/.test(lines[i + 1]!)) continue;
    const head = cellsOf(lines[i]!);
    const rows: string[][] = [];
    let j = i + 2;
    for (; j < lines.length && lines[j]!.trim().startsWith('|'); j++) rows.push(cellsOf(lines[j]!));
    tables.push({ head, rows });
    i = j - 1;
  }
  return tables;
}

export interface Section {
  /** The heading text, without the `#`s. */
  readonly heading: string;
  readonly level: number;
  /** Its lines up to the next heading of the same or a higher level (fenced code blanked out). */
  readonly lines: readonly string[];
}

/** Every heading of the given level with its body. */
export function sectionsAt(lines: readonly string[], level: number): Section[] {
  const marker = '#'.repeat(level);
  const sections: Section[] = [];
  let current: { heading: string; lines: string[] } | undefined;
  for (const line of lines) {
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading && heading[1]!.length <= level) {
      if (current) sections.push({ ...current, level });
      current = heading[1] === marker ? { heading: heading[2]!.trim(), lines: [] } : undefined;
      continue;
    }
    current?.lines.push(line);
  }
  if (current) sections.push({ ...current, level });
  return sections;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slugOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of every heading of a document, with GitHub's `-1`, `-2` suffixes for repeats. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(markdown)) {
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (!heading) continue;
    const slug = slugOf(heading[1]!.trim());
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** The targets of every inline link `[text](target)` outside code. */
export function linkTargets(markdown: string): string[] {
  return proseLines(markdown)
    .map((line) => line.replace(/`[^`]*`/g, ''))
    .flatMap((line) => [...line.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!));
}
