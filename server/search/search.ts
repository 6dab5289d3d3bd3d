import { and, desc, eq, or, sql, type SQL } from 'drizzle-orm'
import type { Database } from '#server/db/client'
import { contributions, examples, revisions, sections } from '#server/db/schema'
import { escapeHtml } from '#server/escape-html'

export const maxQueryLength = 200
/** Per kind: enough to page through, bounded so a broad query stays cheap. */
const maxResults = 100
export const resultsPerPage = 10
/** In the overview of all kinds, each group shows its best few and links to the rest. */
const overviewPerKind = 3
const highlightStart = '\u0002'
const highlightStop = '\u0003'
const headlineOptions = `StartSel=${highlightStart}, StopSel=${highlightStop}, MaxWords=40, MinWords=20, MaxFragments=2, FragmentDelimiter=" … "`

export type SearchResult = {
  kind: 'section' | 'example' | 'tip'
  slug: string
  title: string
  number: string
  /** HTML-escaped text with <mark> around the matches. */
  snippetHtml: string
  rank: number
  /** The same network told both in the handbook (chapter 5) and among the examples: where the other one is. */
  alsoAt: { kind: 'section' | 'example'; slug: string } | null
}

export type SearchOutcome = { query: string; truncated: boolean; results: SearchResult[] }

/**
 * Full-text search over the published sections and the examples.
 * Three ways to match, best first: Dutch word forms without accents (the 'nl'
 * configuration), parts of compounds ("steunpunt" in "wijksteunpunten"), and
 * near-misses by trigram similarity ("cordinatie").
 */
export async function searchHandbook(db: Database, rawQuery: string): Promise<SearchOutcome> {
  const cleaned = rawQuery.replace(/[\p{Cc}\p{Cf}]/gu, ' ').replace(/\s+/g, ' ').trim()
  const query = cleaned.slice(0, maxQueryLength)
  const truncated = cleaned.length > maxQueryLength
  const words = [...new Set(foldWords(query))].filter((word) => word.length >= 4).slice(0, 8)
  // A query of only stop words ("de het") becomes an empty tsquery that matches nothing.
  if (query.length === 0) return { query, truncated, results: [] }

  const tsQuery = sql`websearch_to_tsquery('nl', ${query})`
  const match = (vector: SQL, text: SQL) => {
    const folded = sql`unaccent(lower(${text}))`
    const partial = words.map((word) => sql`${folded} like ${`%${word}%`}`)
    const similar = words.filter((word) => word.length >= 5).map((word) => sql`${word} <% ${folded}`)
    const fullText = sql`${vector} @@ ${tsQuery}`
    return {
      condition: or(fullText, partial.length > 0 ? and(...partial) : undefined, similar.length > 0 ? and(...similar) : undefined)!,
      rank: sql<number>`ts_rank_cd(${vector}, ${tsQuery}) + case when ${fullText} then 1 else 0 end`,
      fullText: sql<boolean>`${fullText}`,
    }
  }

  const sectionText = sql`${revisions.title} || ' ' || ${revisions.plainText}`
  const sectionMatch = match(sql`${revisions.searchVector}`, sectionText)
  const sectionRows = await db
    .select({
      slug: sections.slug,
      title: revisions.title,
      number: sections.number,
      counterpart: examples.slug,
      text: revisions.plainText,
      rank: sectionMatch.rank,
      fullText: sectionMatch.fullText,
      headline: sql<string>`ts_headline('nl', ${revisions.plainText}, ${tsQuery}, ${headlineOptions})`,
    })
    .from(sections)
    .innerJoin(revisions, eq(revisions.id, sections.currentRevisionId))
    .leftJoin(examples, and(eq(examples.handbookSlug, sections.slug), eq(examples.status, 'published')))
    .where(and(eq(sections.kind, 'section'), sectionMatch.condition))
    .orderBy(desc(sectionMatch.rank))
    .limit(maxResults)

  const exampleText = sql`${examples.name} || ' ' || ${examples.place} || ' ' || ${examples.summary} || ' ' || ${examples.storyText}`
  const exampleMatch = match(sql`${examples.searchVector}`, exampleText)
  const exampleRows = await db
    .select({
      slug: examples.slug,
      title: examples.name,
      number: sql<string>`''`,
      counterpart: examples.handbookSlug,
      text: sql<string>`${examples.summary} || E'\n\n' || ${examples.storyText}`,
      rank: exampleMatch.rank,
      fullText: exampleMatch.fullText,
      headline: sql<string>`ts_headline('nl', ${examples.summary} || E'\n\n' || ${examples.storyText}, ${tsQuery}, ${headlineOptions})`,
    })
    .from(examples)
    .where(and(eq(examples.status, 'published'), exampleMatch.condition))
    .orderBy(desc(exampleMatch.rank))
    .limit(maxResults)

  // Approved tips and lessons are found too; they lead to their section (general ones to the home page's list).
  const tipMatch = match(sql`${contributions.searchVector}`, sql`${contributions.body}`)
  const tipRows = await db
    .select({
      slug: sql<string>`coalesce(${sections.slug}, '')`,
      title: sql<string>`'Uit de praktijk: ' || coalesce(${sections.title}, 'de hele handreiking')`,
      number: sql<string>`coalesce(${sections.number}, '')`,
      counterpart: sql<string | null>`null`,
      text: contributions.body,
      rank: sql<number>`(${tipMatch.rank}) * 0.8`,
      fullText: tipMatch.fullText,
      headline: sql<string>`ts_headline('nl', ${contributions.body}, ${tsQuery}, ${headlineOptions})`,
    })
    .from(contributions)
    .leftJoin(sections, eq(sections.id, contributions.sectionId))
    .where(and(eq(contributions.status, 'approved'), sql`${contributions.kind} <> 'suggestion'`, tipMatch.condition))
    .orderBy(desc(tipMatch.rank))
    .limit(maxResults)

  const results = [
    ...sectionRows.map((row) => toResult('section', row, words)),
    ...exampleRows.map((row) => toResult('example', row, words)),
    ...tipRows.map((row) => toResult('tip', row, words)),
  ].sort((a, b) => b.rank - a.rank)
  return { query, truncated, results }
}

/** The filter of the search page: a kind in Dutch, as in `?soort=`. */
export const searchKinds = { handreiking: 'section', voorbeelden: 'example', tips: 'tip' } as const satisfies Record<string, SearchResult['kind']>
export type SearchKindParam = keyof typeof searchKinds

export type SearchPage = {
  kind: SearchKindParam | null
  counts: Record<SearchKindParam, number>
  /** Without a kind: each kind's best few; with one: that kind, one page of ten. */
  groups: Array<{ kind: SearchKindParam; total: number; results: SearchResult[] }>
  page: number
  pageCount: number
}

/** Groups an outcome by kind (handbook, examples, tips) and cuts out one page. */
export function searchPage(outcome: SearchOutcome, kind: string | null, requestedPage: number): SearchPage {
  const params = Object.keys(searchKinds) as SearchKindParam[]
  const byKind = Object.fromEntries(params.map((param) => [param, outcome.results.filter((result) => result.kind === searchKinds[param])])) as Record<SearchKindParam, SearchResult[]>
  const counts = Object.fromEntries(params.map((param) => [param, byKind[param].length])) as Record<SearchKindParam, number>
  const chosen = params.find((param) => param === kind) ?? null
  if (!chosen) {
    return { kind: null, counts, page: 1, pageCount: 1, groups: params.filter((param) => counts[param] > 0).map((param) => ({ kind: param, total: counts[param], results: byKind[param].slice(0, overviewPerKind) })) }
  }
  const pageCount = Math.max(1, Math.ceil(counts[chosen] / resultsPerPage))
  const page = Number.isInteger(requestedPage) ? Math.min(Math.max(1, requestedPage), pageCount) : 1
  const results = byKind[chosen].slice((page - 1) * resultsPerPage, page * resultsPerPage)
  return { kind: chosen, counts, page, pageCount, groups: results.length > 0 ? [{ kind: chosen, total: counts[chosen], results }] : [] }
}

type Row = { slug: string; title: string; number: string; counterpart: string | null; text: string; rank: number; fullText: boolean; headline: string }

function toResult(kind: SearchResult['kind'], row: Row, words: string[]): SearchResult {
  const snippetHtml =
    row.fullText && row.headline.includes(highlightStart)
      ? escapeHtml(row.headline).replaceAll(highlightStart, '<mark>').replaceAll(highlightStop, '</mark>')
      : partialSnippet(row.text, words)
  const alsoAt = row.counterpart ? { kind: kind === 'section' ? ('example' as const) : ('section' as const), slug: row.counterpart } : null
  return { kind, slug: row.slug, title: row.title, number: row.number, snippetHtml, rank: Number(row.rank), alsoAt }
}

/** Lower-case words without accents, the way unaccent(lower()) sees them. */
function foldWords(text: string): string[] {
  return fold(text).match(/[\p{L}\p{N}]+/gu) ?? []
}

function fold(text: string) {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()
}

/** A window of text around the first partial match, with every match marked. */
function partialSnippet(text: string, words: string[], radius = 120): string {
  // Folding per character keeps indexes aligned with the original text.
  const characters = text.split('')
  const folded = characters.map((character) => fold(character).charAt(0) || character).join('')
  const ranges: Array<[number, number]> = []
  for (const word of words) {
    for (let at = folded.indexOf(word); at >= 0; at = folded.indexOf(word, at + word.length)) ranges.push([at, at + word.length])
  }
  ranges.sort((a, b) => a[0] - b[0])
  const center = ranges[0]?.[0] ?? 0
  const start = Math.max(0, center - radius)
  const end = Math.min(characters.length, center + radius)
  let html = start > 0 ? '… ' : ''
  let position = start
  for (const [from, to] of ranges) {
    if (from < position || to > end) continue
    html += escapeHtml(characters.slice(position, from).join('')) + '<mark>' + escapeHtml(characters.slice(from, to).join('')) + '</mark>'
    position = to
  }
  html += escapeHtml(characters.slice(position, end).join('')) + (end < characters.length ? ' …' : '')
  return html.replace(/\s+/g, ' ')
}
