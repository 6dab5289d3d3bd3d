import { diffWords } from 'diff'

export type DiffPart = { kind: 'same' | 'added' | 'removed'; text: string }

/** A word-level comparison of two plain texts, for readers (history) and editors (suggestions). */
export function compareTexts(before: string, after: string): DiffPart[] {
  return diffWords(before, after).map((part) => ({
    kind: part.added ? 'added' : part.removed ? 'removed' : 'same',
    text: part.value,
  }))
}
