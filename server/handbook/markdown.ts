import type { JSONContent } from '@tiptap/core'
import { Lexer, type Token, type Tokens } from 'marked'

type Mark = NonNullable<JSONContent['marks']>[number]

/**
 * Converts the Markdown of content/ into a document of the shared tiptap schema.
 * Only what the schema holds is accepted; anything else is an error, so content
 * never silently loses text on import.
 */
export function markdownToDocument(markdown: string): JSONContent {
  const tokens = new Lexer().lex(markdown)
  return { type: 'doc', content: blocks(tokens) }
}

function blocks(tokens: Token[]): JSONContent[] {
  return tokens.flatMap((token): JSONContent[] => {
    switch (token.type) {
      case 'space':
        return []
      case 'paragraph':
        return [paragraph((token as Tokens.Paragraph).tokens)]
      case 'text':
        return [paragraph((token as Tokens.Text).tokens ?? [token])]
      case 'heading': {
        const heading = token as Tokens.Heading
        return [{ type: 'heading', attrs: { level: Math.min(Math.max(heading.depth, 2), 4) }, content: inline(heading.tokens, []) }]
      }
      case 'list': {
        const list = token as Tokens.List
        const items = list.items.map((item) => ({ type: 'listItem', content: blocks(item.tokens) }))
        return [
          list.ordered
            ? { type: 'orderedList', attrs: { start: typeof list.start === 'number' ? list.start : 1 }, content: items }
            : { type: 'bulletList', content: items },
        ]
      }
      case 'html':
        return [paragraph([{ type: 'text', raw: token.raw, text: token.raw.trim() } as Tokens.Text])]
      case 'blockquote':
        return [{ type: 'blockquote', content: blocks((token as Tokens.Blockquote).tokens) }]
      default:
        throw new Error(`Markdown element "${token.type}" is not part of the handbook schema: ${token.raw.slice(0, 80)}`)
    }
  })
}

function paragraph(tokens: Token[]): JSONContent {
  const content = inline(tokens, [])
  return content.length > 0 ? { type: 'paragraph', content } : { type: 'paragraph' }
}

function inline(tokens: Token[], marks: Mark[]): JSONContent[] {
  return tokens.flatMap((token): JSONContent[] => {
    switch (token.type) {
      case 'text':
      case 'escape': {
        const text = token as Tokens.Text
        if (text.tokens && text.tokens.length > 0) return inline(text.tokens, marks)
        return textNode(decodeEntities(text.text), marks)
      }
      case 'strong':
        return inline((token as Tokens.Strong).tokens, [...marks, { type: 'bold' }])
      case 'em':
        return inline((token as Tokens.Em).tokens, [...marks, { type: 'italic' }])
      case 'link': {
        const link = token as Tokens.Link
        return inline(link.tokens, [...marks, { type: 'link', attrs: { href: link.href } }])
      }
      case 'br':
        return [{ type: 'hardBreak' }]
      case 'html':
        // Content is never trusted as HTML: tags stay visible text.
        return textNode(token.raw, marks)
      default:
        throw new Error(`Markdown inline "${token.type}" is not part of the handbook schema: ${token.raw.slice(0, 80)}`)
    }
  })
}

function textNode(text: string, marks: Mark[]): JSONContent[] {
  if (text.length === 0) return []
  return [marks.length > 0 ? { type: 'text', text, marks } : { type: 'text', text }]
}

// marked escapes &, <, >, " and ' in text tokens; the document wants the characters.
function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
}
