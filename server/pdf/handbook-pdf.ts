import type { JSONContent } from '@tiptap/core'
import PDFDocument from 'pdfkit'
import { formatDate } from '#app/site'
import { inlineText } from '#server/handbook/render'
import { pdfFonts } from './fonts'
import { hyphenate } from './hyphenate'

export type PdfSection = { slug: string; number: string; title: string; depth: number; document: JSONContent }
export type PdfExample = { name: string; place: string; region: string; summary: string; quote: string; quoteBy: string; website: string; story: JSONContent }
export type PdfTip = { kind: 'tip' | 'lesson'; body: string; signedBy: string; sectionLabel: string }

export type PdfInput = {
  /** "Editie 3" or "Huidige editie". */
  editionLabel: string
  date: Date
  note: string
  contributeUrl: string
  colophon: JSONContent
  /** Who contributed to this edition, said in one sentence (server/handbook/edition-changes.ts); '' for nobody. */
  credits?: string
  sections: PdfSection[]
  examples: PdfExample[]
  tips: PdfTip[]
}

const page = { size: 'A4' as const, margins: { top: 70, bottom: 76, left: 72, right: 72 } }
const colours = { ink: '#1d2430', accent: '#07503a', muted: '#4f5a68', link: '#0b5cad' }
const title = 'Handreiking Lokaal samenwerken'
const subtitle = 'vrijwilligersorganisaties in zorg en welzijn'
const tagline = 'Zet uzelf op de kaart… door samen te werken'

type Struct = ReturnType<PDFKit.PDFDocument['struct']>
type Anchor = { slug: string; page: number }

/**
 * The handbook as a tagged (PDF/UA) PDF, laid out in-process with pdfkit from
 * the same document JSON as the site. Rendered twice: the first pass learns on
 * which page each section starts, the second prints those numbers in the
 * table of contents.
 */
export async function renderHandbookPdf(input: PdfInput): Promise<Buffer> {
  let anchors = (await layout(input, new Map())).anchors
  for (let pass = 0; pass < 3; pass++) {
    const result = await layout(input, new Map(anchors.map((anchor) => [anchor.slug, anchor.page])))
    const stable = result.anchors.every((anchor, index) => anchor.page === anchors[index]?.page)
    anchors = result.anchors
    if (stable) return result.pdf
  }
  throw new Error('table of contents did not settle')
}

async function layout(input: PdfInput, tocPages: Map<string, number>) {
  const doc = new PDFDocument({
    ...page,
    autoFirstPage: false,
    bufferPages: true,
    pdfVersion: '1.7',
    tagged: true,
    // @types/pdfkit predates pdfkit's PDF/UA subset.
    subset: 'PDF/UA' as never,
    lang: 'nl-NL',
    displayTitle: true,
    info: {
      Title: `${title} — ${subtitle}`,
      Author: 'Vereniging NOV en de lezers van lokaalsamenwerken.nl',
      Subject: `${input.editionLabel}, ${formatDate(input.date)}`,
      Keywords: 'vrijwilligersorganisaties, samenwerken, zorg, welzijn, netwerk',
      CreationDate: input.date,
      ModDate: input.date,
    },
  })
  supportSoftHyphens(doc)
  const chunks: Buffer[] = []
  doc.on('data', (chunk: Buffer) => chunks.push(chunk))
  const finished = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))))
  doc.registerFont('regular', pdfFonts.regular)
  doc.registerFont('italic', pdfFonts.italic)
  doc.registerFont('bold', pdfFonts.bold)
  doc.registerFont('boldItalic', pdfFonts.boldItalic)
  doc.registerFont('heading', pdfFonts.heading)

  const root = doc.struct('Document')
  doc.addStructure(root)
  const anchors: Anchor[] = []
  const writer = new Writer(doc, root)

  // Cover: a band in the site's green (decoration, so an artifact) above the title
  doc.addPage()
  doc.markContent('Artifact', { type: 'Layout' })
  doc.rect(0, 0, doc.page.width, 200).fill(colours.accent)
  doc.rect(0, 200, doc.page.width, 8).fill('#e3f1ea')
  doc.endMarkedContent()
  doc.y = 250
  writer.block('H1', () => doc.font('heading').fontSize(34).fillColor(colours.accent).text(title, { align: 'left' }))
  writer.block('P', () => doc.font('regular').fontSize(18).fillColor(colours.ink).text(subtitle))
  doc.moveDown(2)
  writer.block('P', () => doc.font('bold').fontSize(20).fillColor(colours.accent).text(tagline))
  doc.moveDown(6)
  writer.block('P', () => doc.font('regular').fontSize(12).fillColor(colours.muted).text(`${input.editionLabel} · ${formatDate(input.date)}`))

  // Colophon
  doc.addPage()
  writer.heading(2, 'Colofon')
  writer.document(input.colophon, 3)
  writer.heading(3, 'Deze editie')
  writer.paragraph([{ text: `${input.editionLabel}, vastgelegd op ${formatDate(input.date)}.${input.note ? ` ${input.note}` : ''}` }])
  if (input.credits) writer.paragraph([{ text: input.credits }])
  writer.heading(3, 'Licentie')
  writer.paragraph([{ text: 'De teksten zijn gepubliceerd onder de licentie Creative Commons Naamsvermelding-GelijkDelen 4.0 (CC BY-SA 4.0).' }])
  writer.heading(3, 'Bijdragen')
  writer.paragraph([{ text: 'Deze handreiking is levend: iedereen kan tips, lessons learned, voorbeelden en tekstvoorstellen insturen op ' }, { text: input.contributeUrl, link: input.contributeUrl }, { text: '.' }])

  // Table of contents
  doc.addPage()
  writer.heading(2, 'Inhoudsopgave')
  const toc = doc.struct('TOC')
  root.add(toc)
  const tocEntries = [
    ...input.sections.map((section) => ({ slug: section.slug, label: section.number ? `${section.number}  ${section.title}` : section.title, depth: section.depth })),
    { slug: 'goede-voorbeelden-uit-de-praktijk', label: 'Goede voorbeelden uit de praktijk', depth: 1 },
    { slug: 'tips-uit-de-praktijk', label: 'Bijlage: Tips uit de praktijk', depth: 1 },
  ]
  for (const entry of tocEntries) {
    const pageNumber = String(tocPages.get(entry.slug) ?? '000')
    // Label and page number stay on one page.
    if (doc.y > doc.page.height - page.margins.bottom - 30) doc.addPage()
    toc.add(
      doc.struct('TOCI', {}, () => {
        const indent = page.margins.left + (entry.depth - 1) * 18
        const width = doc.page.width - page.margins.right - indent - 36
        const y = doc.y
        doc.font(entry.depth === 1 ? 'bold' : 'regular').fontSize(11).fillColor(colours.ink)
        doc.text(entry.label, indent, y, { width, goTo: entry.slug })
        const afterLabel = doc.y
        doc.text(pageNumber, doc.page.width - page.margins.right - 36, y, { width: 36, align: 'right' })
        doc.x = page.margins.left
        doc.y = Math.max(afterLabel, doc.y) + 2
      }),
    )
  }
  toc.end()

  // The sections, each starting a new page at chapter level
  const outlineItems = new Map<number, PDFKit.PDFOutline>()
  for (const section of input.sections) {
    if (section.depth === 1) doc.addPage()
    else if (doc.y > doc.page.height - page.margins.bottom - 120) doc.addPage()
    else doc.moveDown(0.8)
    anchors.push({ slug: section.slug, page: currentPage(doc) })
    doc.addNamedDestination(section.slug)
    const parent = section.depth === 1 ? doc.outline : (outlineItems.get(section.depth - 1) ?? doc.outline)
    outlineItems.set(section.depth, parent.addItem(section.number ? `${section.number} ${section.title}` : section.title))
    writer.heading(Math.min(section.depth + 1, 6), section.number ? `${section.number}  ${section.title}` : section.title)
    writer.document(section.document, Math.min(section.depth + 2, 6))
    // Yield between sections: a long render must not hold up other requests.
    await new Promise((resolve) => setImmediate(resolve))
  }

  // Good-practice examples
  doc.addPage()
  anchors.push({ slug: 'goede-voorbeelden-uit-de-praktijk', page: currentPage(doc) })
  doc.addNamedDestination('goede-voorbeelden-uit-de-praktijk')
  const examplesOutline = doc.outline.addItem('Goede voorbeelden uit de praktijk')
  writer.heading(2, 'Goede voorbeelden uit de praktijk')
  for (const example of input.examples) {
    if (doc.y > doc.page.height - page.margins.bottom - 160) doc.addPage()
    else doc.moveDown(0.6)
    examplesOutline.addItem(example.name)
    writer.heading(3, example.name)
    writer.paragraph([{ text: [example.place, example.region].filter(Boolean).join(', '), italic: true }])
    writer.paragraph([{ text: example.summary }])
    if (example.quote) writer.quote(example.quote, example.quoteBy)
    writer.document(example.story, 4)
    if (example.website) writer.paragraph([{ text: 'Website: ' }, { text: example.website.replace(/^https?:\/\//, ''), link: example.website }])
    await new Promise((resolve) => setImmediate(resolve))
  }

  // Appendix: approved tips and lessons
  doc.addPage()
  anchors.push({ slug: 'tips-uit-de-praktijk', page: currentPage(doc) })
  doc.addNamedDestination('tips-uit-de-praktijk')
  doc.outline.addItem('Bijlage: Tips uit de praktijk')
  writer.heading(2, 'Bijlage: Tips uit de praktijk')
  if (input.tips.length === 0) writer.paragraph([{ text: 'In deze editie zijn nog geen tips van lezers opgenomen. Deel uw ervaring op de website.' }])
  let lastSection = ''
  for (const tip of input.tips) {
    if (tip.sectionLabel !== lastSection) {
      writer.heading(3, tip.sectionLabel)
      lastSection = tip.sectionLabel
    }
    writer.paragraph([{ text: tip.kind === 'lesson' ? 'Lesson learned: ' : 'Tip: ', bold: true }, { text: tip.body }, ...(tip.signedBy ? [{ text: ` — ${tip.signedBy}`, italic: true }] : [])])
  }

  root.end()
  addFooters(doc, input)
  doc.end()
  return { pdf: await finished, anchors }
}

/**
 * pdfkit breaks lines at soft hyphens and draws a hyphen there, but sends the
 * soft hyphens that stay inside a line to the font, where they share the
 * hyphen's glyph and garble real hyphens. Only the line breaker should see them.
 */
function supportSoftHyphens(doc: PDFKit.PDFDocument) {
  const internals = doc as unknown as {
    _fragment: (text: string, ...rest: unknown[]) => unknown
    widthOfString: (text: string, ...rest: unknown[]) => number
  }
  const fragment = internals._fragment.bind(doc)
  const widthOfString = internals.widthOfString.bind(doc)
  internals._fragment = (text, ...rest) => fragment(text.replaceAll('\u00AD', ''), ...rest)
  internals.widthOfString = (text, ...rest) => widthOfString(text.replaceAll('\u00AD', ''), ...rest)
}

function currentPage(doc: PDFKit.PDFDocument) {
  return doc.bufferedPageRange().start + doc.bufferedPageRange().count
}

/** Page numbers and the running title on every page but the cover, as artifacts (not content). */
function addFooters(doc: PDFKit.PDFDocument, input: PdfInput) {
  const range = doc.bufferedPageRange()
  for (let index = 1; index < range.count; index++) {
    doc.switchToPage(range.start + index)
    const bottom = doc.page.height - page.margins.bottom + 30
    const previousMargin = doc.page.margins.bottom
    doc.page.margins.bottom = 0
    doc.markContent('Artifact', { type: 'Pagination' })
    doc.font('regular').fontSize(9).fillColor(colours.muted)
    doc.text(`${title} · ${input.editionLabel}`, page.margins.left, bottom, { lineBreak: false })
    doc.text(String(index + 1), doc.page.width - page.margins.right - 40, bottom, { width: 40, align: 'right', lineBreak: false })
    doc.endMarkedContent()
    doc.page.margins.bottom = previousMargin
  }
}

type Run = { text: string; bold?: boolean; italic?: boolean; link?: string }

/** Walks the shared document schema and writes each node as tagged PDF content. */
class Writer {
  private readonly width: number
  constructor(
    private readonly doc: PDFKit.PDFDocument,
    private readonly root: Struct,
  ) {
    this.width = doc.page ? doc.page.width - page.margins.left - page.margins.right : 595.28 - page.margins.left - page.margins.right
  }

  block(type: string, draw: () => void, parent: Struct = this.root) {
    parent.add(this.doc.struct(type, {}, draw))
  }

  heading(level: number, text: string) {
    const sizes: Record<number, number> = { 1: 28, 2: 20, 3: 15, 4: 13, 5: 12, 6: 11.5 }
    if (this.doc.y > this.doc.page.height - page.margins.bottom - 80) this.doc.addPage()
    this.doc.moveDown(level <= 2 ? 0.2 : 0.6)
    this.block(`H${level}`, () =>
      this.doc
        .font('heading')
        .fontSize(sizes[level])
        .fillColor(level <= 2 ? colours.accent : colours.ink)
        .text(text, page.margins.left, this.doc.y, { width: this.width, paragraphGap: 6 }),
    )
  }

  /**
   * A paragraph of styled runs. Links get their own Link structure element, so
   * screen readers announce them and the link annotation belongs to its text.
   */
  paragraph(runs: Run[], parent: Struct = this.root, options: { indent?: number; size?: number } = {}) {
    const visible = runs.filter((run) => run.text.length > 0)
    if (visible.length === 0) return
    const paragraph = this.doc.struct('P')
    parent.add(paragraph)
    this.doc.x = page.margins.left + (options.indent ?? 0)
    visible.forEach((run, index) => {
      const draw = () => {
        this.doc
          .font(run.bold && run.italic ? 'boldItalic' : run.bold ? 'bold' : run.italic ? 'italic' : 'regular')
          .fontSize(options.size ?? 11)
          .fillColor(run.link ? colours.link : colours.ink)
        this.doc.text(run.link ? run.text : hyphenate(run.text), {
          width: this.width - (options.indent ?? 0),
          continued: index < visible.length - 1,
          link: run.link ?? null,
          underline: Boolean(run.link),
          lineGap: 2,
          paragraphGap: index === visible.length - 1 ? 7 : 0,
        })
      }
      paragraph.add(run.link ? this.doc.struct('Link', {}, draw) : draw)
    })
    paragraph.end()
    this.doc.x = page.margins.left
  }

  quote(text: string, by: string) {
    const quote = this.doc.struct('BlockQuote')
    this.root.add(quote)
    this.paragraph([{ text: `“${text}”`, italic: true }], quote, { indent: 18, size: 12 })
    if (by) this.paragraph([{ text: `— ${by}` }], quote, { indent: 18 })
    quote.end()
  }

  /** A document of the shared schema; `headingLevel` is the PDF level of its first heading level. */
  document(document: JSONContent, headingLevel: number, parent: Struct = this.root, indent = 0) {
    for (const node of document.content ?? []) {
      switch (node.type) {
        case 'paragraph':
          this.paragraph(runsOf(node), parent, { indent })
          break
        case 'heading':
          this.heading(Math.min(headingLevel + Number(node.attrs?.level ?? 2) - 2, 6), inlineText(node))
          break
        case 'bulletList':
        case 'orderedList':
          this.list(node, parent, indent, headingLevel)
          break
        case 'blockquote': {
          const quote = this.doc.struct('BlockQuote')
          parent.add(quote)
          this.document(node, headingLevel, quote, indent + 18)
          quote.end()
          break
        }
        default:
          throw new Error(`PDF: node type ${node.type} is not in the layout`)
      }
    }
  }

  private list(node: JSONContent, parent: Struct, indent: number, headingLevel: number) {
    const list = this.doc.struct('L')
    parent.add(list)
    const start = Number(node.attrs?.start ?? 1)
    ;(node.content ?? []).forEach((item, index) => {
      const listItem = this.doc.struct('LI')
      list.add(listItem)
      const label = node.type === 'orderedList' ? `${start + index}.` : '•'
      const y = this.doc.y
      listItem.add(this.doc.struct('Lbl', {}, () => void this.doc.font('regular').fontSize(11).fillColor(colours.ink).text(label, page.margins.left + indent, y, { width: 18, lineBreak: false })))
      this.doc.y = y
      const body = this.doc.struct('LBody')
      listItem.add(body)
      this.document(item, headingLevel, body, indent + 20)
      body.end()
      listItem.end()
    })
    list.end()
  }
}

function runsOf(node: JSONContent): Run[] {
  return (node.content ?? []).map((child) => {
    if (child.type === 'hardBreak') return { text: '\n' }
    const marks = child.marks ?? []
    return {
      text: child.text ?? '',
      bold: marks.some((mark) => mark.type === 'bold'),
      italic: marks.some((mark) => mark.type === 'italic'),
      link: marks.find((mark) => mark.type === 'link')?.attrs?.href as string | undefined,
    }
  })
}

