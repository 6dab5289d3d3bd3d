import { sql, type SQL } from 'drizzle-orm'
import {
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  serial,
  text,
  timestamp,
  uniqueIndex,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core'
import type { JSONContent } from '@tiptap/core'

// Postgres' tsvector has no drizzle column type; the values are only ever
// produced by the database itself (generated columns) and read inside SQL.
const tsvector = customType<{ data: string }>({
  dataType: () => 'tsvector',
})

// 'nl' is the text search configuration made in migrations/0000: dutch + unaccent.
function searchVector(weighted: SQL) {
  return tsvector('search_vector').generatedAlwaysAs(weighted)
}

/** A table-of-contents entry (kind 'section') or a stand-alone page such as the colophon. */
export const sections = pgTable(
  'sections',
  {
    id: serial('id').primaryKey(),
    slug: text('slug').notNull(),
    kind: text('kind', { enum: ['section', 'page'] }).notNull().default('section'),
    number: text('number').notNull().default(''),
    title: text('title').notNull(),
    parentId: integer('parent_id').references((): AnyPgColumn => sections.id),
    position: integer('position').notNull(),
    currentRevisionId: integer('current_revision_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex('sections_slug_unique').on(table.slug)],
)

/** An immutable published version of a section: what readers, search and the PDF see. */
export const revisions = pgTable(
  'revisions',
  {
    id: serial('id').primaryKey(),
    sectionId: integer('section_id')
      .notNull()
      .references(() => sections.id),
    title: text('title').notNull(),
    document: jsonb('document').$type<JSONContent>().notNull(),
    html: text('html').notNull(),
    plainText: text('plain_text').notNull(),
    summary: text('summary').notNull().default(''),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    searchVector: searchVector(
      sql`setweight(to_tsvector('nl'::regconfig, title), 'A') || setweight(to_tsvector('nl'::regconfig, plain_text), 'B')`,
    ),
  },
  (table) => [
    index('revisions_section_idx').on(table.sectionId, table.createdAt),
    index('revisions_search_idx').using('gin', table.searchVector),
  ],
)

/** A good-practice example: a network or organisation and its story. */
export const examples = pgTable(
  'examples',
  {
    id: serial('id').primaryKey(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    place: text('place').notNull().default(''),
    region: text('region').notNull().default(''),
    municipalities: text('municipalities').array().notNull().default(sql`'{}'`),
    founded: text('founded').notNull().default(''),
    members: text('members').notNull().default(''),
    memberOrganisations: text('member_organisations').array().notNull().default(sql`'{}'`),
    website: text('website').notNull().default(''),
    quote: text('quote').notNull().default(''),
    quoteBy: text('quote_by').notNull().default(''),
    themes: text('themes').array().notNull().default(sql`'{}'`),
    summary: text('summary').notNull().default(''),
    source: text('source').notNull().default(''),
    story: jsonb('story').$type<JSONContent>().notNull(),
    storyHtml: text('story_html').notNull(),
    storyText: text('story_text').notNull(),
    status: text('status', { enum: ['published', 'pending', 'hidden'] }).notNull().default('published'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    searchVector: searchVector(
      sql`setweight(to_tsvector('nl'::regconfig, name || ' ' || place), 'A') || setweight(to_tsvector('nl'::regconfig, summary), 'B') || setweight(to_tsvector('nl'::regconfig, story_text), 'C')`,
    ),
  },
  (table) => [
    uniqueIndex('examples_slug_unique').on(table.slug),
    index('examples_search_idx').using('gin', table.searchVector),
    index('examples_themes_idx').using('gin', table.themes),
  ],
)
