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
import type { EditionCredits, SectionChange } from '#server/handbook/edition-changes'

// Postgres' tsvector has no drizzle column type; the values are only ever
// produced by the database itself (generated columns) and read inside SQL.
const tsvector = customType<{ data: string }>({
  dataType: () => 'tsvector',
})

// Yjs and hash bytes; drizzle has no stable bytea column.
export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  toDriver: (value) => Buffer.from(value),
  fromDriver: (value) => new Uint8Array(value),
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
    /** Names of who wrote this version, frozen at publication (accounts may change later). */
    authors: text('authors').array().notNull().default(sql`'{}'`),
    createdBy: integer('created_by'),
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
    /** The handbook section (chapter 5) that tells this same network's story, if any; linked both ways. */
    handbookSlug: text('handbook_slug'),
    story: jsonb('story').$type<JSONContent>().notNull(),
    storyHtml: text('story_html').notNull(),
    storyText: text('story_text').notNull(),
    status: text('status', { enum: ['published', 'pending', 'rejected', 'spam', 'hidden'] }).notNull().default('published'),
    /** Submitted examples: who to contact (shown) and who submitted (never shown). */
    contact: text('contact').notNull().default(''),
    submitterEmail: text('submitter_email'),
    /** A visitor's name for the colophon's credits; shown only when show_name is 1 (their consent). */
    submitterName: text('submitter_name').notNull().default(''),
    showName: integer('show_name').notNull().default(0),
    decisionReason: text('decision_reason').notNull().default(''),
    clientHash: text('client_hash'),
    removalTokenId: text('removal_token_id'),
    removalSecretHash: bytea('removal_secret_hash'),
    createdBy: integer('created_by'),
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

export const roles = ['member', 'editor', 'admin'] as const
export type Role = (typeof roles)[number]

export const users = pgTable(
  'users',
  {
    id: serial('id').primaryKey(),
    email: text('email').notNull(),
    name: text('name').notNull().default(''),
    role: text('role', { enum: roles }).notNull().default('member'),
    /** argon2id; null until the invitation or first-admin link has been used. */
    passwordHash: text('password_hash'),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    createdBy: integer('created_by').references((): AnyPgColumn => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex('users_email_unique').on(sql`lower(${table.email})`)],
)

/** Sessions the Lucia way: the id is public, only the SHA-256 of the secret is stored. */
export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    secretHash: bytea('secret_hash').notNull(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    userAgent: text('user_agent').notNull().default(''),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastVerifiedAt: timestamp('last_verified_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('sessions_user_idx').on(table.userId)],
)

export const oneTimeTokenKinds = ['invitation', 'password_reset', 'email_change'] as const
export type OneTimeTokenKind = (typeof oneTimeTokenKinds)[number]

/** Invitation, password-reset and email-change links: single use, stored only as a hash. */
export const oneTimeTokens = pgTable(
  'one_time_tokens',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: oneTimeTokenKinds }).notNull(),
    secretHash: bytea('secret_hash').notNull(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** For email changes: the new address, confirmed by using the link. */
    email: text('email'),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdBy: integer('created_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('one_time_tokens_user_idx').on(table.userId, table.kind)],
)

/** Fixed-window counters for throttling (login failures, submissions), shared by all processes. */
export const rateLimits = pgTable('rate_limits', {
  key: text('key').primaryKey(),
  windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
  count: integer('count').notNull(),
})

export const auditLog = pgTable(
  'audit_log',
  {
    id: serial('id').primaryKey(),
    actorId: integer('actor_id').references(() => users.id),
    action: text('action').notNull(),
    targetUserId: integer('target_user_id').references(() => users.id),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('audit_log_created_idx').on(table.createdAt)],
)

/** Every mail the site sends; without SMTP_URL this is where mail ends up (and in the log). */
export const outbox = pgTable(
  'outbox',
  {
    id: serial('id').primaryKey(),
    to: text('to').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    html: text('html').notNull(),
    /** Mails to followers: the unsubscribe page, sent as the List-Unsubscribe header. */
    listUnsubscribe: text('list_unsubscribe'),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('outbox_created_idx').on(table.createdAt)],
)

/** Instance-wide values made once at first start, e.g. the key for hashing IP addresses. */
export const instanceSettings = pgTable('instance_settings', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
})

/** Yjs updates of a live document, appended within the write window (one merged row per document per write). */
export const documentUpdates = pgTable(
  'document_updates',
  {
    id: serial('id').primaryKey(),
    document: text('document').notNull(),
    update: bytea('update').notNull(),
    /** Names the write this row came from: a write retried after its commit did go through stores nothing twice. */
    writeKey: text('write_key'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('document_updates_document_idx').on(table.document, table.id), uniqueIndex('document_updates_write_key').on(table.writeKey)],
)

/** A live document compacted into one Yjs state; loading = this + later updates. */
export const documentStates = pgTable('document_states', {
  document: text('document').primaryKey(),
  state: bytea('state').notNull(),
  /** The last document_updates id folded into `state`. */
  throughUpdateId: integer('through_update_id').notNull().default(0),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
})

/** Who edited a live document and when: the authors of the next revision. */
export const documentContributors = pgTable(
  'document_contributors',
  {
    document: text('document').notNull(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    lastEditAt: timestamp('last_edit_at', { withTimezone: true }).notNull(),
  },
  (table) => [uniqueIndex('document_contributors_unique').on(table.document, table.userId)],
)

export const contributionKinds = ['tip', 'lesson', 'suggestion'] as const
export type ContributionKind = (typeof contributionKinds)[number]
export const moderationStatuses = ['pending', 'approved', 'rejected', 'spam'] as const

/** Tips, lessons learned and suggested text changes from visitors, moderated by editors. */
export const contributions = pgTable(
  'contributions',
  {
    id: serial('id').primaryKey(),
    kind: text('kind', { enum: contributionKinds }).notNull(),
    /** Null for a general tip or lesson that belongs to no one section. */
    sectionId: integer('section_id').references(() => sections.id),
    /** The tip or lesson; for a suggestion, the proposed new text. */
    body: text('body').notNull(),
    /** Suggestions only: the passage as it was when the visitor proposed the change. */
    originalText: text('original_text'),
    reason: text('reason').notNull().default(''),
    name: text('name').notNull().default(''),
    organisation: text('organisation').notNull().default(''),
    showName: integer('show_name').notNull().default(0),
    /** Only to tell the submitter the outcome; never shown. */
    email: text('email'),
    status: text('status', { enum: moderationStatuses }).notNull().default('pending'),
    decisionReason: text('decision_reason').notNull().default(''),
    decidedBy: integer('decided_by').references(() => users.id),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    /** Keyed hash of the submitter's IP, for abuse handling; cleared after 30 days. */
    clientHash: text('client_hash'),
    removalTokenId: text('removal_token_id'),
    removalSecretHash: bytea('removal_secret_hash'),
    createdBy: integer('created_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    searchVector: searchVector(sql`to_tsvector('nl'::regconfig, body)`),
  },
  (table) => [
    index('contributions_status_idx').on(table.status, table.createdAt),
    index('contributions_section_idx').on(table.sectionId, table.status),
    index('contributions_search_idx').using('gin', table.searchVector),
  ],
)

/** Files that belong to an example; the bytes live in storage (folder or S3 bucket). */
export const attachments = pgTable(
  'attachments',
  {
    id: serial('id').primaryKey(),
    exampleId: integer('example_id')
      .notNull()
      .references(() => examples.id, { onDelete: 'cascade' }),
    storageKey: text('storage_key').notNull(),
    fileName: text('file_name').notNull(),
    mediaType: text('media_type').notNull(),
    byteSize: integer('byte_size').notNull(),
    downloads: integer('downloads').notNull().default(0),
    /**
     * 'pending': not (yet) scanned by clamd — quarantined when a scanner is configured;
     * 'clean': clamd found nothing. Infected files are never kept. Files stored before
     * scanning existed start as 'pending' and are scanned on start.
     */
    scanStatus: text('scan_status', { enum: ['pending', 'clean'] }).notNull().default('pending'),
    scannedAt: timestamp('scanned_at', { withTimezone: true }),
    /** A small WebP picture (thumbnail or first PDF page), made only from a file scanned clean. */
    previewKey: text('preview_key'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('attachments_example_idx').on(table.exampleId), index('attachments_scan_idx').on(table.scanStatus)],
)

/**
 * Each public form's token is accepted once: the first submission's outcome is
 * kept (by the token's hash) so a double click or a resubmit after a lost
 * answer gets the same answer instead of a second item.
 */
export const formSubmissions = pgTable(
  'form_submissions',
  {
    tokenHash: text('token_hash').primaryKey(),
    /** Hash of the submitted text fields: the same token with other text is a new message, not a resubmit. */
    contentHash: text('content_hash').notNull(),
    /** Where the first submission sent the visitor, a path on this site. */
    outcome: text('outcome').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('form_submissions_created_idx').on(table.createdAt)],
)

/**
 * Files being stored for a submission whose rows are not committed yet. The
 * commit deletes them; what a crashed process leaves here tells the sweep
 * which stored files to remove.
 */
export const pendingUploads = pgTable('pending_uploads', {
  storageKey: text('storage_key').primaryKey(),
  /** `hostname:pid` of the process storing the file, to tell a crashed one from a busy one. */
  owner: text('owner').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
})

/** A frozen, numbered edition: the published revisions of that moment and its PDF. */
export const editions = pgTable('editions', {
  id: serial('id').primaryKey(),
  number: integer('number').notNull().unique(),
  note: text('note').notNull().default(''),
  pdfHash: text('pdf_hash').notNull(),
  createdBy: integer('created_by').references(() => users.id),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
})

export const editionSections = pgTable(
  'edition_sections',
  {
    editionId: integer('edition_id')
      .notNull()
      .references(() => editions.id),
    sectionId: integer('section_id')
      .notNull()
      .references(() => sections.id),
    revisionId: integer('revision_id')
      .notNull()
      .references(() => revisions.id),
    /** The section's number and parent when the edition was frozen: a later edition may have moved it. */
    number: text('number').notNull().default(''),
    parentId: integer('parent_id'),
  },
  (table) => [uniqueIndex('edition_sections_unique').on(table.editionId, table.sectionId)],
)

/**
 * What changed in an edition since the one before (word diffs, new, moved and removed
 * sections), computed once when it is frozen, and whom its colophon names: kept as they
 * were, as in the edition's PDF, whatever consent is withdrawn later.
 */
export const editionChanges = pgTable('edition_changes', {
  editionId: integer('edition_id')
    .primaryKey()
    .references(() => editions.id),
  sections: jsonb('sections').$type<SectionChange[]>().notNull(),
  credits: jsonb('credits').$type<EditionCredits>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
})

/** Generated PDFs by content hash; an edition's PDF is stored once and never changes. */
/**
 * The current edition's PDF by a hash of what went into it: rendered by one process (under an
 * advisory lock), read by every other. Only the newest render is kept.
 */
export const renderedPdfs = pgTable('rendered_pdfs', {
  inputHash: text('input_hash').primaryKey(),
  bytes: bytea('bytes').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
})

export const pdfFiles = pgTable('pdf_files', {
  hash: text('hash').primaryKey(),
  bytes: bytea('bytes').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
})

/**
 * Readers who follow the handbook or one chapter by e-mail: only the address and the
 * choice, with the moments that make double opt-in and the digest work. The confirmation
 * link is stored as a hash and works once; the unsubscribe link is a keyed hash of
 * `linkId` (server/follow/subscriptions.ts), so nothing in this table opens it.
 */
export const subscriptions = pgTable(
  'subscriptions',
  {
    id: serial('id').primaryKey(),
    email: text('email').notNull(),
    /** The top-level chapter followed; null = the whole handbook. */
    sectionId: integer('section_id').references(() => sections.id, { onDelete: 'cascade' }),
    linkId: text('link_id').notNull(),
    confirmTokenId: text('confirm_token_id'),
    confirmSecretHash: bytea('confirm_secret_hash'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** Null until the link in the confirmation mail is used: nothing else is sent before. */
    confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
    /** Changes published up to this moment have been mailed (or came before the subscription). */
    digestThrough: timestamp('digest_through', { withTimezone: true }),
    lastDigestAt: timestamp('last_digest_at', { withTimezone: true }),
    /** The highest edition number mailed (or frozen before the subscription). */
    editionsThrough: integer('editions_through').notNull().default(0),
  },
  (table) => [
    uniqueIndex('subscriptions_address_scope_unique').on(sql`lower(${table.email})`, sql`coalesce(${table.sectionId}, 0)`),
    uniqueIndex('subscriptions_link_unique').on(table.linkId),
    uniqueIndex('subscriptions_confirm_unique').on(table.confirmTokenId),
  ],
)
