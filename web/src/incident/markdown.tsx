// A small Markdown renderer for the draft regulator report: headings, paragraphs, bullet lists,
// pipe tables, **bold** and *italic*. It builds React elements (never HTML strings), so text
// from the report — which quotes the incident's reason — cannot inject markup.
import { Fragment, type ReactNode } from 'react';
import { List, Table, Text, Title } from '@mantine/core';

type Block =
  | { readonly kind: 'heading'; readonly level: number; readonly text: string }
  | { readonly kind: 'list'; readonly items: readonly string[] }
  | { readonly kind: 'table'; readonly head: readonly string[]; readonly rows: readonly (readonly string[])[]; readonly right: readonly boolean[] }
  | { readonly kind: 'para'; readonly text: string };

const cells = (line: string) => line.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim());

/** Splits Markdown text into blocks. */
export function parseBlocks(md: string): Block[] {
  const lines = md.split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length;) {
    const line = lines[i] as string;
    const h = /^(#{1,6})\s+(.*)$/.exec(line);
    if (h) {
      out.push({ kind: 'heading', level: (h[1] as string).length, text: h[2] as string });
      i++;
    } else if (/^\s*[-*]\s+/.test(line)) {
      const items: string[] = [];
      while (i < lines.length && /^\s*[-*]\s+/.test(lines[i] as string)) items.push((lines[i++] as string).replace(/^\s*[-*]\s+/, ''));
      out.push({ kind: 'list', items });
    } else if (line.trim().startsWith('|') && /^\s*\|?\s*:?-{3,}/.test(lines[i + 1] ?? '')) {
      const head = cells(line);
      const right = cells(lines[i + 1] as string).map((c) => c.endsWith(':'));
      const rows: string[][] = [];
      i += 2;
      while (i < lines.length && (lines[i] as string).trim().startsWith('|')) rows.push(cells(lines[i++] as string));
      out.push({ kind: 'table', head, rows, right });
    } else if (line.trim() === '') {
      i++;
    } else {
      const para: string[] = [lines[i++] as string];
      while (i < lines.length && (lines[i] as string).trim() !== '' && !/^(#{1,6}\s|\s*[-*]\s|\s*\|)/.test(lines[i] as string)) para.push(lines[i++] as string);
      out.push({ kind: 'para', text: para.join(' ') });
    }
  }
  return out;
}

/** Inline **bold** and *italic*. */
function inline(text: string): ReactNode {
  const parts = text.split(/(\*\*[^*]+\*\*|\*[^*]+\*)/g);
  return parts.map((p, i) => {
    if (p.startsWith('**') && p.endsWith('**') && p.length > 4) return <strong key={i}>{p.slice(2, -2)}</strong>;
    if (p.startsWith('*') && p.endsWith('*') && p.length > 2) return <em key={i}>{p.slice(1, -1)}</em>;
    return <Fragment key={i}>{p}</Fragment>;
  });
}

/** Renders `md` as Mantine typography. */
export function Markdown({ md }: { md: string }) {
  return (
    <div data-testid="markdown">
      {parseBlocks(md).map((b, i) => {
        switch (b.kind) {
          case 'heading':
            return <Title key={i} order={Math.min(6, b.level + 1) as 2 | 3 | 4 | 5 | 6} mt={i === 0 ? 0 : 'md'} mb="xs">{inline(b.text)}</Title>;
          case 'list':
            return <List key={i} size="sm" spacing={4} mb="sm">{b.items.map((it, j) => <List.Item key={j}>{inline(it)}</List.Item>)}</List>;
          case 'table':
            return (
              <Table key={i} withTableBorder fz="sm" mb="sm" verticalSpacing={4}>
                <Table.Thead><Table.Tr>{b.head.map((c, j) => <Table.Th key={j} ta={b.right[j] ? 'right' : undefined}>{inline(c)}</Table.Th>)}</Table.Tr></Table.Thead>
                <Table.Tbody>{b.rows.map((r, j) => <Table.Tr key={j}>{r.map((c, k) => <Table.Td key={k} ta={b.right[k] ? 'right' : undefined}>{inline(c)}</Table.Td>)}</Table.Tr>)}</Table.Tbody>
              </Table>
            );
          default:
            return <Text key={i} size="sm" mb="sm">{inline(b.text)}</Text>;
        }
      })}
    </div>
  );
}
