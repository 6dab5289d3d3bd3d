import type { JSONContent } from '@tiptap/core'
import PDFDocument from 'pdfkit'
import { formatDate } from '#app/site'
import { inlineText } from '#server/handbook/render'
import { pdfFonts } from './fonts'
import { hyphenate } from './hyphenate'

/** `changedAt`: when its published text last changed. */
export type PdfSection = { slug: string; number: string; title: string; depth: number; document: JSONContent; changedAt: Date }
/** `handbookSlug`: the section (chapter 5) that already tells this network's story. */
export type PdfExample = { name: string; place: string; region: string; summary: string; quote: string; quoteBy: string; website: string; story: JSONContent; handbookSlug: string | null }
export type PdfTip = { kind: 'tip' | 'lesson'; body: string; signedBy: string; sectionSlug: string; sectionLabel: string }

export type PdfInput = {
  /** "Editie 3" or "Huidige editie". */
  editionLabel: string
  /** Set for the PDF of one chapter: its label, e.g. "Hoofdstuk 3: Samenwerking opzetten". */
  chapter?: string
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
      Title: input.chapter ? `${title} — ${input.chapter}` : `${title} — ${subtitle}`,
      Author: 'Vereniging NOV en de lezers van lokaalsamenwerken.nl',
      Subject: `${input.editionLabel}, ${formatDate(input.date)}`,
      Keywords: 'vrijwilligersorganisaties, samenwerken, zorg, welzijn, netwerk',
      CreationDate: input.date,
      ModDate: input.date,
    },
  })
  supportSoftHyphens(doc)
  tagLinkAnnotations(doc)
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
  const sectionSlugs = new Set(input.sections.map((section) => section.slug))
  // Examples whose story a section of this book tells already get a reference, not the story again.
  const toldIn = (example: PdfExample) => (example.handbookSlug && sectionSlugs.has(example.handbookSlug) ? example.handbookSlug : null)

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
  writer.block('P', () => doc.font('bold').fontSize(20).fillColor(colours.accent).text(input.chapter ?? tagline))
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

  // Table of contents: only parts with something in them; left out when it would list just a couple of entries
  const tocEntries = [
    ...input.sections.map((section) => ({ slug: section.slug, label: section.number ? `${section.number}  ${section.title}` : section.title, depth: section.depth })),
    ...(input.examples.length > 0 ? [{ slug: 'goede-voorbeelden-uit-de-praktijk', label: 'Goede voorbeelden uit de praktijk', depth: 1 }] : []),
    ...(input.tips.length > 0 ? [{ slug: 'tips-uit-de-praktijk', label: 'Bijlage: Tips uit de praktijk', depth: 1 }] : []),
  ]
  if (tocEntries.length > 3) {
    doc.addPage()
    writer.heading(2, 'Inhoudsopgave')
    const toc = doc.struct('TOC')
    root.add(toc)
    const indentOf = (depth: number) => page.margins.left + (depth - 1) * 18
    const widthOf = (depth: number) => doc.page.width - page.margins.right - indentOf(depth) - 36
    const fontOf = (depth: number) => doc.font(depth === 1 ? 'bold' : 'regular').fontSize(11)
    const heights = tocEntries.map((entry) => fontOf(entry.depth).heightOfString(entry.label, { width: widthOf(entry.depth) }) + 2)
    const breaks = balancedPageBreaks(heights, doc.page.height - page.margins.bottom - doc.y, doc.page.height - page.margins.bottom - page.margins.top)
    tocEntries.forEach((entry, index) => {
      if (breaks.has(index)) doc.addPage()
      const pageNumber = String(tocPages.get(entry.slug) ?? '000')
      const link = linkStructure(doc, `${entry.label.replace(/\s+/g, ' ')}, pagina ${pageNumber}`, () => {
        const y = doc.y
        fontOf(entry.depth).fillColor(colours.ink)
        doc.text(entry.label, indentOf(entry.depth), y, { width: widthOf(entry.depth), goTo: entry.slug })
        const afterLabel = doc.y
        doc.text(pageNumber, doc.page.width - page.margins.right - 36, y, { width: 36, align: 'right', goTo: entry.slug })
        doc.x = page.margins.left
        doc.y = Math.max(afterLabel, doc.y) + 2
      })
      toc.add(doc.struct('TOCI', {}, [link]))
    })
    toc.end()
  }

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
  if (input.examples.length > 0) {
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
      const told = toldIn(example)
      if (told) {
        const section = input.sections.find((entry) => entry.slug === told)!
        const chapter = input.sections.slice(0, input.sections.indexOf(section) + 1).findLast((entry) => entry.depth === 1)
        writer.paragraph([
          { text: `Het verhaal van dit netwerk leest u in ${chapter && chapter !== section && chapter.number ? `hoofdstuk ${chapter.number}, bij ` : ''}` },
          { text: section.number ? `${section.number} ${section.title}` : section.title, goTo: section.slug },
          { text: ` op pagina ${tocPages.get(section.slug) ?? '000'}.` },
        ])
      } else {
        if (example.quote) writer.quote(example.quote, example.quoteBy)
        writer.document(example.story, 4)
      }
      if (example.website) writer.paragraph([{ text: 'Website: ' }, { text: example.website.replace(/^https?:\/\//, ''), link: example.website }])
      await new Promise((resolve) => setImmediate(resolve))
    }
  }

  // Appendix: approved tips and lessons
  if (input.tips.length > 0) {
    doc.addPage()
    anchors.push({ slug: 'tips-uit-de-praktijk', page: currentPage(doc) })
    doc.addNamedDestination('tips-uit-de-praktijk')
    doc.outline.addItem('Bijlage: Tips uit de praktijk')
    writer.heading(2, 'Bijlage: Tips uit de praktijk')
    let lastSection = ''
    for (const tip of input.tips) {
      if (tip.sectionLabel !== lastSection) {
        writer.heading(3, tip.sectionLabel)
        lastSection = tip.sectionLabel
      }
      writer.paragraph([{ text: tip.kind === 'lesson' ? 'Lesson learned: ' : 'Tip: ', bold: true }, { text: tip.body }, ...(tip.signedBy ? [{ text: ` — ${tip.signedBy}`, italic: true }] : [])])
    }
  }

  root.end()
  addFooters(doc, input)
  doc.end()
  return { pdf: await finished, anchors }
}

/**
 * Where the table of contents starts a new page: as few pages as the entries
 * need, filled evenly, so that no page holds just a couple of entries.
 */
function balancedPageBreaks(heights: number[], firstPage: number, fullPage: number) {
  const fill = (target: number) => {
    const breaks = new Set<number>()
    let room = firstPage
    let used = 0
    heights.forEach((height, index) => {
      if (index > 0 && (height > room || used >= target)) {
        breaks.add(index)
        room = fullPage
        used = 0
      }
      room -= height
      used += height
    })
    return breaks
  }
  const pages = fill(Infinity).size + 1
  if (pages === 1) return new Set<number>()
  const total = heights.reduce((sum, height) => sum + height, 0)
  return fill(total / pages)
}

/**
 * A Link structure element whose text is `alt`. Every link annotation drawn
 * inside it becomes its child (an OBJR, with /StructParent and a ParentTree
 * entry) and carries the same text as /Contents (see tagLinkAnnotations).
 */
function linkStructure(doc: PDFKit.PDFDocument, alt: string, draw: () => void): Struct {
  const link = doc.struct('Link', { alt }, draw)
  // pdfkit names the page the element is flushed on as the annotation's page; a link can end on a later page.
  const internals = link as unknown as { _flushChild: (child: unknown) => void; dictionary: { data: { K: unknown[] } } }
  const flushChild = internals._flushChild.bind(link)
  internals._flushChild = (child) => {
    const annotation = child as { annotationRef?: unknown; pageRef?: unknown }
    if (annotation.annotationRef && annotation.pageRef) internals.dictionary.data.K.push({ Type: 'OBJR', Obj: annotation.annotationRef, Pg: annotation.pageRef })
    else flushChild(child)
  }
  return link
}

/** Link annotations drawn inside a Link element belong to it in the structure tree and say its text. */
function tagLinkAnnotations(doc: PDFKit.PDFDocument) {
  type LinkElement = { dictionary: { data: { S: string; Alt?: string } }; add: (child: unknown) => void }
  const internals = doc as unknown as {
    annotate: (x: number, y: number, w: number, h: number, options: Record<string, unknown>) => unknown
    _currentStructureElement?: LinkElement
    page: { dictionary: unknown }
  }
  const annotate = internals.annotate.bind(doc)
  internals.annotate = (x, y, w, h, options) => {
    const link = internals._currentStructureElement
    if (options.Subtype !== 'Link' || link?.dictionary.data.S !== 'Link') return annotate(x, y, w, h, options)
    const pageRef = internals.page.dictionary
    const structParent = { add: (reference: { pageRef?: unknown }) => link.add(Object.assign(reference, { pageRef })) }
    return annotate(x, y, w, h, { ...options, Contents: link.dictionary.data.Alt, structParent })
  }
}

const softHyphen = '\u00AD'

/**
 * pdfkit breaks lines at soft hyphens and draws a hyphen there, but sends the
 * soft hyphens that stay inside a line to the font, where they share the
 * hyphen's glyph and garble real hyphens. Only the line breaker should see them.
 *
 * A word broken at a line (or page) end must still be one word to whoever
 * extracts the text or reads it aloud: its first part, hyphen included, is a
 * marked span whose /ActualText is the whole word, and the rest of the word on
 * the next line is a span whose /ActualText is empty.
 */
function supportSoftHyphens(doc: PDFKit.PDFDocument) {
  type Options = { align?: string; textWidth?: number; wordCount?: number }
  const internals = doc as unknown as {
    text: (text: unknown, ...rest: unknown[]) => PDFKit.PDFDocument
    _fragment: (text: string, x: number, y: number, options: Options) => void
    widthOfString: (text: string, ...rest: unknown[]) => number
    addContent: (content: string) => void
  }
  const text = internals.text.bind(doc)
  const fragment = internals._fragment.bind(doc)
  const widthOfString = internals.widthOfString.bind(doc)
  const plain = (value: string) => value.replaceAll(softHyphen, '')
  // What of the text being laid out is still to be drawn (soft hyphens included), and how much
  // of its start belongs to a broken word whose ActualText was already given.
  let pending: string | null = null
  let told = 0
  internals.text = (value, ...rest) => {
    pending = typeof value === 'string' ? value : null
    told = 0
    return text(value, ...rest)
  }
  internals.widthOfString = (value, ...rest) => widthOfString(plain(value), ...rest)
  internals._fragment = (line, x, y, options) => {
    const source = pending
    const broken = source !== null && line.endsWith('-') && source[line.length - 1] === softHyphen && source.startsWith(line.slice(0, -1))
    if (source === null || (!broken && !source.startsWith(line)) || (options.align && options.align !== 'left')) {
      pending = null
      return fragment(plain(line), x, y, options)
    }
    pending = source.slice(line.length)
    const head = Math.min(told, line.length)
    told -= head
    if (head === 0 && !broken) return fragment(plain(line), x, y, options)
    let wordStart = line.length
    let actual = ''
    if (broken && head < line.length) {
      wordStart = Math.max(head, line.slice(0, -1).search(/\S*$/))
      const tail = /^\S*/.exec(pending)![0]
      actual = plain(line.slice(wordStart, -1) + tail)
      told = tail.length
    }
    // Drawn in parts along the line; only left-aligned text is broken into parts.
    const partOptions = { ...options, textWidth: undefined, wordCount: undefined }
    let partX = x
    const draw = (part: string, actualText?: string) => {
      if (!part) return
      if (actualText !== undefined) internals.addContent(`/Span <</ActualText ${pdfTextString(actualText)}>> BDC`)
      fragment(plain(part), partX, y, partOptions)
      if (actualText !== undefined) internals.addContent('EMC')
      partX += widthOfString(plain(part), options)
    }
    draw(line.slice(0, head), '')
    draw(line.slice(head, wordStart))
    draw(line.slice(wordStart), actual)
  }
}

/** A PDF text string in UTF-16BE, so any Dutch word fits. */
function pdfTextString(value: string) {
  if (value === '') return '()'
  let hex = 'FEFF'
  for (let index = 0; index < value.length; index++) hex += value.charCodeAt(index).toString(16).padStart(4, '0').toUpperCase()
  return `<${hex}>`
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
    doc.text([title, input.chapter?.replace(/:.*/, ''), input.editionLabel].filter(Boolean).join(' · '), page.margins.left, bottom, { lineBreak: false })
    doc.text(String(index + 1), doc.page.width - page.margins.right - 40, bottom, { width: 40, align: 'right', lineBreak: false })
    doc.endMarkedContent()
    doc.page.margins.bottom = previousMargin
  }
}

/** `link`: a web address; `goTo`: a named destination in this PDF. */
type Run = { text: string; bold?: boolean; italic?: boolean; link?: string; goTo?: string }

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
      const linked = Boolean(run.link || run.goTo)
      const draw = () => {
        this.doc
          .font(run.bold && run.italic ? 'boldItalic' : run.bold ? 'bold' : run.italic ? 'italic' : 'regular')
          .fontSize(options.size ?? 11)
          .fillColor(linked ? colours.link : colours.ink)
        this.doc.text(linked ? run.text : hyphenate(run.text), {
          width: this.width - (options.indent ?? 0),
          continued: index < visible.length - 1,
          link: run.link ?? null,
          goTo: run.goTo,
          underline: linked,
          lineGap: 2,
          paragraphGap: index === visible.length - 1 ? 7 : 0,
        })
      }
      paragraph.add(linked ? linkStructure(this.doc, run.text, draw) : draw)
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
      // The label goes where the item's first line goes: on the next page if that line does not fit here.
      this.doc.font('regular').fontSize(11)
      if (this.doc.y + this.doc.currentLineHeight(true) > this.doc.page.maxY()) this.doc.addPage()
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

