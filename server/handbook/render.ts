import type { JSONContent } from '@tiptap/core'
import { renderToHTMLString } from '@tiptap/static-renderer/pm/html-string'
import { handbookExtensions } from '#app/editor/schema'

/** Server-side HTML for a handbook document, from the shared schema; no DOM needed. */
export function renderDocumentHtml(document: JSONContent): string {
  return renderToHTMLString({ extensions: handbookExtensions, content: document })
}

/** The document's words as plain text, blocks separated by blank lines: for search and diffs. */
export function documentPlainText(document: JSONContent): string {
  const blocks: string[] = []
  const visit = (node: JSONContent) => {
    if (node.type === 'paragraph' || node.type === 'heading') {
      blocks.push(inlineText(node))
      return
    }
    node.content?.forEach(visit)
  }
  visit(document)
  return blocks.filter((block) => block.length > 0).join('\n\n')
}

/** A paragraph's or heading's text; hard breaks become newlines. */
export function inlineText(node: JSONContent): string {
  if (node.type === 'text') return node.text ?? ''
  if (node.type === 'hardBreak') return '\n'
  return (node.content ?? []).map(inlineText).join('')
}

export type SectionHeading = { id: string; level: 2 | 3; text: string }

/** Ids the section page uses itself; a heading never takes one of them. */
const reservedIds = new Set(['inhoud', 'titel', 'op-deze-pagina', 'uit-de-praktijk', 'zijnavigatie', 'inhoud-telefoon'])

/**
 * Gives every h2 and h3 of rendered section HTML an id readers can link to,
 * and lists them for "Op deze pagina". Done when serving, so stored revisions
 * keep the renderer's plain HTML and old revisions get anchors too.
 */
export function anchorHeadings(html: string): { html: string; headings: SectionHeading[] } {
  const used = new Set(reservedIds)
  const headings: SectionHeading[] = []
  const anchored = html.replace(/<h([23])((?:\s[^>]*)?)>([\s\S]*?)<\/h\1>/g, (whole, level: string, attributes: string, inner: string) => {
    if (/\sid=/.test(attributes)) return whole
    const text = decodeEntities(inner.replace(/<[^>]*>/g, '')).trim()
    const id = uniqueId(anchorId(text), used)
    headings.push({ id, level: Number(level) as 2 | 3, text })
    return `<h${level}${attributes} id="${id}">${inner}</h${level}>`
  })
  return { html: anchored, headings }
}

/** "Wie bepaalt de inhoud?" → "wie-bepaalt-de-inhoud": lower case, no accents, hyphens. */
function anchorId(text: string) {
  const id = text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
  return id || 'kop'
}

function uniqueId(id: string, used: Set<string>) {
  let candidate = id
  for (let number = 2; used.has(candidate); number++) candidate = `${id}-${number}`
  used.add(candidate)
  return candidate
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' }

function decodeEntities(text: string) {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') return String.fromCodePoint(name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1)))
    return entities[name.toLowerCase()] ?? whole
  })
}
