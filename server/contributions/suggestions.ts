import type { JSONContent } from '@tiptap/core'
import { diffChars } from 'diff'
import type { CollabServer } from '#server/collab/collab-server'
import { liveDocumentJson, replaceLiveDocument } from '#server/handbook/live-documents'
import { inlineText } from '#server/handbook/render'

/** Every paragraph of a document in reading order, with its plain text: what a visitor can pick. */
export function paragraphsOf(document: JSONContent): string[] {
  const found: string[] = []
  const visit = (node: JSONContent) => {
    if (node.type === 'paragraph') found.push(inlineText(node))
    else node.content?.forEach(visit)
  }
  visit(document)
  return found.filter((text) => text.trim().length > 0)
}

export type ApplyOutcome = { outcome: 'applied' } | { outcome: 'conflict'; currentTexts: string[] } | { outcome: 'missing' }

/**
 * Accepting a suggestion changes the live document in one server-side Yjs
 * transaction, so editors with the section open see it appear. The passage must
 * still read as it did when the visitor proposed the change; otherwise the
 * editor gets a conflict and merges by hand.
 */
export async function applySuggestion(collab: CollabServer, input: { slug: string; originalText: string; proposedText: string }): Promise<ApplyOutcome> {
  const room = await collab.open(input.slug)
  if (!room) return { outcome: 'missing' }
  const document = liveDocumentJson(room)
  const target = normalise(input.originalText)
  const matches: JSONContent[] = []
  const visit = (node: JSONContent) => {
    if (node.type === 'paragraph' && normalise(inlineText(node)) === target) matches.push(node)
    node.content?.forEach(visit)
  }
  visit(document)
  if (matches.length !== 1) return { outcome: 'conflict', currentTexts: closestParagraphs(document, input.originalText) }
  matches[0].content = changeText(matches[0].content ?? [], input.proposedText.trim())
  replaceLiveDocument(room, document)
  return { outcome: 'applied' }
}

/**
 * Rewrites a paragraph's inline content to `next`, keeping the marks (bold,
 * italic, links) of every character that stays; new words take the marks of
 * the text before them.
 */
export function changeText(inline: JSONContent[], next: string): JSONContent[] {
  const characters: Array<{ character: string; marks?: JSONContent['marks'] }> = []
  for (const node of inline) {
    if (node.type === 'text') for (const character of node.text ?? '') characters.push({ character, marks: node.marks })
    else if (node.type === 'hardBreak') characters.push({ character: '\n' })
  }
  const result: typeof characters = []
  let position = 0
  for (const part of diffChars(characters.map((item) => item.character).join(''), next)) {
    if (part.removed) {
      position += part.value.length
    } else if (part.added) {
      const marks = result.at(-1)?.marks ?? characters[position]?.marks
      for (const character of part.value) result.push({ character, marks })
    } else {
      for (let offset = 0; offset < part.value.length; offset++) result.push(characters[position + offset])
      position += part.value.length
    }
  }
  const nodes: JSONContent[] = []
  for (const { character, marks } of result) {
    if (character === '\n') {
      nodes.push({ type: 'hardBreak' })
      continue
    }
    const last = nodes.at(-1)
    if (last?.type === 'text' && JSON.stringify(last.marks ?? []) === JSON.stringify(marks ?? [])) last.text += character
    else nodes.push(marks && marks.length > 0 ? { type: 'text', text: character, marks } : { type: 'text', text: character })
  }
  return nodes
}

function closestParagraphs(document: JSONContent, original: string) {
  const words = new Set(normalise(original).toLowerCase().split(' '))
  return paragraphsOf(document)
    .map((text) => ({ text, shared: normalise(text).toLowerCase().split(' ').filter((word) => words.has(word)).length }))
    .filter((item) => item.shared > 0)
    .sort((a, b) => b.shared - a.shared)
    .slice(0, 1)
    .map((item) => item.text)
}

function normalise(text: string) {
  return text.replace(/\s+/g, ' ').trim()
}
