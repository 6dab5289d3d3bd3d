import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'

const sectionFrontMatter = z.object({
  number: z.string(),
  title: z.string().min(1),
  slug: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/),
  order: z.number().int().positive(),
  parent: z.string(),
})

const pageFrontMatter = z.object({ title: z.string().min(1) })

const exampleFrontMatter = z.object({
  name: z.string().min(1),
  slug: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/),
  place: z.string(),
  region: z.string(),
  municipalities: z.array(z.string()),
  founded: z.string(),
  members: z.string(),
  memberOrganisations: z.array(z.string()),
  website: z.string(),
  quote: z.string(),
  quoteBy: z.string(),
  themes: z.array(z.string()),
  summary: z.string(),
  source: z.string(),
  /** The chapter 5 section about the same network, linked both ways. */
  handbookSlug: z.string().optional(),
})

export type SectionFile = z.infer<typeof sectionFrontMatter> & { body: string }
export type PageFile = z.infer<typeof pageFrontMatter> & { slug: string; body: string }
export type ExampleFile = z.infer<typeof exampleFrontMatter> & { body: string }

export type ContentFiles = { sections: SectionFile[]; pages: PageFile[]; examples: ExampleFile[] }

/** The pages that are not in the table of contents, by file name in content/. */
const pageSlugs = { 'colofon.md': 'colofon', 'omslag.md': 'omslag' } as const

/** Reads and validates everything in content/: a malformed file stops the import with its name. */
export async function readContentFiles(contentDir: string): Promise<ContentFiles> {
  const sections = await readFolder(path.join(contentDir, 'handreiking'), sectionFrontMatter)
  const examples = await readFolder(path.join(contentDir, 'voorbeelden'), exampleFrontMatter)
  const pages = await Promise.all(
    Object.entries(pageSlugs).map(async ([file, slug]) => ({
      ...(await readMarkdownFile(path.join(contentDir, file), pageFrontMatter)),
      slug,
    })),
  )
  return { sections: sections.sort((a, b) => a.order - b.order), pages, examples }
}

async function readFolder<T>(folder: string, schema: z.ZodType<T>) {
  const names = (await readdir(folder)).filter((name) => name.endsWith('.md')).sort()
  return Promise.all(names.map((name) => readMarkdownFile(path.join(folder, name), schema)))
}

async function readMarkdownFile<T>(file: string, schema: z.ZodType<T>): Promise<T & { body: string }> {
  const source = await readFile(file, 'utf8')
  const match = /^---\n([\s\S]*?)\n---\n?([\s\S]*)$/.exec(source)
  if (!match) throw new Error(`${file}: front matter (---) is missing`)
  const parsed = schema.safeParse(parseYaml(match[1]))
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`)
  return { ...parsed.data, body: match[2].trim() }
}
