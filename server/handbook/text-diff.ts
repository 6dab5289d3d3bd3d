import { diffWords } from 'diff'

export type DiffPart = { kind: 'same' | 'added' | 'removed'; text: string }

/** Either the word diff, or why there is none: the texts are too long, or too different to compare in time. */
export type TextComparison = { comparable: true; parts: DiffPart[] } | { comparable: false; reason: 'size' | 'time' }

export type ComparisonBounds = { maxCharacters: number; timeoutMs: number }

/**
 * A visitor can ask for any two versions, so one comparison may not hold up the event loop
 * (every other request waits). Splitting 50,000 characters into words takes about 10 ms and
 * is not covered by the diff's own timeout, hence the size bound (the longest section of the
 * first edition has 2,400); the diff itself gives up after 40 ms. bench/history-diff.ts
 * measures both. Work off the request path (e.g. storing an edition's changes) may pass
 * wider bounds.
 */
export const comparisonBounds: ComparisonBounds = { maxCharacters: 50_000, timeoutMs: 40 }

/** A word-level comparison of two plain texts, for readers (history, editions) and editors (suggestions). */
export function compareTexts(before: string, after: string, bounds: ComparisonBounds = comparisonBounds): TextComparison {
  if (before.length > bounds.maxCharacters || after.length > bounds.maxCharacters) return { comparable: false, reason: 'size' }
  const changes = diffWords(before, after, { timeout: bounds.timeoutMs })
  if (!changes) return { comparable: false, reason: 'time' }
  return {
    comparable: true,
    parts: changes.map((part) => ({ kind: part.added ? 'added' : part.removed ? 'removed' : 'same', text: part.value })),
  }
}
