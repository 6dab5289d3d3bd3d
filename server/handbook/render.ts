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
