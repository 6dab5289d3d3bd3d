import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs'

export const hasPoppler = existsSync('/usr/bin/pdfinfo') && existsSync('/usr/bin/pdftotext')
if (!hasPoppler) console.warn('\n  PDF CHECKS WITH POPPLER SKIPPED: pdfinfo/pdftotext not found (apt-get install -y poppler-utils).\n')

/** Runs a poppler tool (pdfinfo, pdftotext) on the PDF and returns what it prints. */
export function poppler(tool: 'pdfinfo' | 'pdftotext', pdf: Buffer, args: string[]) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lh-pdf-'))
  try {
    const file = path.join(dir, 'file.pdf')
    writeFileSync(file, pdf)
    return execFileSync(tool, [...args, file, ...(tool === 'pdftotext' ? ['-'] : [])]).toString()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The /ActualText of every marked span in the page content streams (pdfkit deflates them), in order. */
export function actualTexts(pdf: Buffer) {
  const raw = pdf.toString('latin1')
  const texts: string[] = []
  for (const match of raw.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)) {
    let content: string
    try {
      content = zlib.inflateSync(Buffer.from(match[1], 'latin1')).toString('latin1')
    } catch {
      continue
    }
    for (const span of content.matchAll(/\/ActualText (<FEFF([0-9A-F]*)>|\(\))/g)) {
      const hex = span[2] ?? ''
      texts.push(Buffer.from(hex, 'hex').swap16().toString('utf16le'))
    }
  }
  return texts
}

export async function pageCount(pdf: Buffer) {
  const document = await getDocument({ data: new Uint8Array(pdf), verbosity: 0 }).promise
  const pages = document.numPages
  await document.destroy()
  return pages
}

type StructNode = { role?: string; type?: string; id?: string; alt?: string; children?: StructNode[] }

/**
 * Every link annotation of every page, as pdf.js reads it, with the structure
 * element that holds it (null when it has no place in the structure tree).
 */
export async function linkAnnotations(pdf: Buffer) {
  const document = await getDocument({ data: new Uint8Array(pdf), verbosity: 0 }).promise
  const links: Array<{ page: number; contents: string; url: string | null; element: StructNode | null }> = []
  const tocEntriesPerPage: number[] = []
  for (let number = 1; number <= document.numPages; number++) {
    const page = await document.getPage(number)
    const holders = new Map<string, StructNode>()
    let tocEntries = 0
    const walk = (node: StructNode) => {
      if (node.role === 'TOCI') tocEntries++
      for (const child of node.children ?? []) {
        if (child.type === 'object' && child.id) holders.set(child.id, node)
        walk(child)
      }
    }
    const tree = (await page.getStructTree()) as StructNode | null
    if (tree) walk(tree)
    tocEntriesPerPage.push(tocEntries)
    for (const annotation of await page.getAnnotations()) {
      if (annotation.subtype !== 'Link') continue
      links.push({ page: number, contents: annotation.contentsObj?.str ?? '', url: annotation.url ?? null, element: holders.get(annotation.id) ?? null })
    }
  }
  await document.destroy()
  return { links, tocEntriesPerPage }
}

/** Every word of the handbook's source texts (content/), lower case: the words a PDF may show. */
export function sourceWords(contentDir: string) {
  const words = new Set<string>()
  const read = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name)
      if (entry.isDirectory()) read(file)
      else if (entry.name.endsWith('.md')) for (const word of readFileSync(file, 'utf8').toLowerCase().match(/[\p{L}\d-]+/gu) ?? []) words.add(word)
    }
  }
  read(contentDir)
  return words
}

/**
 * Words that come out of `pdftotext -raw` in two pieces: a line ending in
 * "voor-" whose next text line (page footers skipped) starts with "beeld",
 * where the source has "voorbeeld" and not "voor-beeld".
 */
export function splitWords(rawText: string, words: Set<string>) {
  const lines = rawText.split(/\n|\f/).filter((line) => line.trim() && !/^Handreiking Lokaal samenwerken · .* \d+$/.test(line.trim()))
  const split: string[] = []
  lines.forEach((line, index) => {
    const head = /([\p{L}\d]+)-$/u.exec(line.trim())?.[1]
    const tail = /^([\p{L}\d]+)/u.exec(lines[index + 1]?.trim() ?? '')?.[1]
    if (!head || !tail) return
    const joined = `${head}${tail}`.toLowerCase()
    if (words.has(joined) && !words.has(`${head}-${tail}`.toLowerCase())) split.push(`${head}-|${tail}`)
  })
  return split
}
