/**
 * Reads a guide written as a test's input (docs/getting-started.md) into its steps: every `## `
 * section, in order, with its fenced blocks in order. The conventions, stated at the top of the
 * guide:
 * - a `ts` block whose first line is `// file: <name>` is a file of the project (the whole block,
 *   marker line included, is the file);
 * - a `sh terminal=N` block holds commands typed in terminal N, one a line (`#` lines are comments);
 * - a `text terminal=N` block lists lines terminal N prints, in any order.
 * Any other block is refused, so that nothing in the guide escapes the test. Pure: text in, steps out.
 */

export type GuideBlock =
  | { readonly kind: 'file'; readonly name: string; readonly text: string }
  | { readonly kind: 'command'; readonly terminal: number; readonly lines: readonly string[] }
  | { readonly kind: 'output'; readonly terminal: number; readonly lines: readonly string[] };

export interface GuideStep {
  readonly title: string;
  readonly blocks: readonly GuideBlock[];
}

const FENCE = /^```([^\n]*)\n([\s\S]*?)^```[ \t]*$/gm;
const FILE_MARKER = /^\/\/ file: (\S+)$/;

function terminalOf(info: string): number {
  const match = /\bterminal=(\d+)\b/.exec(info);
  if (!match) throw new Error(`a \`${info}\` block names no terminal (terminal=N)`);
  return Number(match[1]);
}

function block(info: string, body: string): GuideBlock {
  const lang = info.trim().split(/\s+/)[0] ?? '';
  const lines = body.split('\n').slice(0, -1); // the body ends with the newline before the fence
  if (lang === 'ts') {
    const name = FILE_MARKER.exec(lines[0] ?? '')?.[1];
    if (name === undefined) throw new Error(`a ts block does not start with "// file: <name>":\n${body}`);
    return { kind: 'file', name, text: body };
  }
  if (lang === 'sh') {
    const commands = lines.map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    return { kind: 'command', terminal: terminalOf(info), lines: commands };
  }
  if (lang === 'text') {
    return { kind: 'output', terminal: terminalOf(info), lines: lines.filter((l) => l.trim() !== '') };
  }
  throw new Error(`a \`${info}\` block is neither a file, commands nor output`);
}

/** The guide's steps that hold blocks (the introduction and a closing list are left out). */
export function parseGuide(markdown: string): GuideStep[] {
  const steps: GuideStep[] = [];
  for (const section of markdown.split(/^## /m).slice(1)) {
    const title = section.slice(0, section.indexOf('\n')).trim();
    const blocks = [...section.matchAll(FENCE)].map((m) => block(m[1] ?? '', m[2] ?? ''));
    if (blocks.length > 0) steps.push({ title, blocks });
  }
  return steps;
}
