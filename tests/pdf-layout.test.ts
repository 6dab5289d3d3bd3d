import { describe, expect, it } from 'vitest'
import { renderHandbookPdf, type PdfInput, type PdfSection } from '#server/pdf/handbook-pdf'
import { linkAnnotations } from './support/pdf'

// The layout itself, for handbooks longer or shorter than today's: the site's own book fits its contents on one page.
const paragraph = (text: string) => ({ type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] })
const book = (count: number): PdfInput => {
  const sections: PdfSection[] = Array.from({ length: count }, (_, index) => {
    const chapter = Math.floor(index / 8) + 1
    const own = index % 8
    return {
      slug: `paragraaf-${index}`,
      number: own === 0 ? String(chapter) : `${chapter}.${own}`,
      title: own === 0 ? `Hoofdstuk over samenwerken ${chapter}` : `Een paragraaf over vrijwilligerszorg ${index}`,
      depth: own === 0 ? 1 : 2,
      document: paragraph('Vrijwilligersorganisaties werken samen met de gemeente.'),
      changedAt: new Date('2026-01-01T00:00:00Z'),
    }
  })
  return { editionLabel: 'Huidige editie', date: new Date('2026-01-01T00:00:00Z'), note: '', contributeUrl: 'http://localhost:3000', colophon: { type: 'doc', content: [] }, sections, examples: [], tips: [] }
}

describe('the table of contents of the PDF', () => {
  it('fills its pages evenly: no contents page holds only a couple of entries', async () => {
    for (const count of [44, 52, 90]) {
      const { tocEntriesPerPage } = await linkAnnotations(await renderHandbookPdf(book(count)))
      const tocPages = tocEntriesPerPage.filter((entries) => entries > 0)
      expect(tocPages.reduce((sum, entries) => sum + entries, 0), `${count} sections`).toBe(count)
      expect(tocPages.length, `${count} sections`).toBeGreaterThan(1)
      for (const entries of tocPages) expect(entries, `${count} sections: ${tocPages.join(', ')}`).toBeGreaterThanOrEqual(Math.floor(count / tocPages.length) - 2)
    }
  }, 120_000)

  it('is left out when it would list just a couple of entries', async () => {
    const { tocEntriesPerPage } = await linkAnnotations(await renderHandbookPdf(book(2)))
    expect(tocEntriesPerPage.every((entries) => entries === 0)).toBe(true)
  })
})
