import { eq } from 'drizzle-orm'
import type { Browser, BrowserContext } from 'playwright-core'
import { sessionCookieName } from '#server/auth/cookies'
import { createSession } from '#server/auth/sessions'
import { newToken, randomSecret } from '#server/auth/random'
import { attachments, contributions, examples, revisions, sections, subscriptions, type Role } from '#server/db/schema'
import { unsubscribeUrl } from '#server/follow/subscriptions'
import { markdownToDocument } from '#server/handbook/markdown'
import { documentPlainText, renderDocumentHtml } from '#server/handbook/render'
import { createUser } from '../support/factories'
import type { TestServer } from '../support/server'

/** A browser context signed in as a new user of the role; undefined = a visitor. */
export async function contextFor(browser: Browser, server: TestServer, role?: Role, options: { width?: number; height?: number } = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: options.height ?? 900 } })
  if (!role) return context
  const names = { member: 'Mila Netwerklid', editor: 'Eva van der Redactie-Hoogstraten', admin: 'Bram Beheerder' }
  const user = await createUser(server.database.db, { role, name: names[role] })
  const { token } = await createSession(server.database.db, user.id)
  await context.addCookies([{ name: sessionCookieName, value: token, url: server.url }])
  return context
}

const longUrl = 'https://www.vrijwilligersnetwerkzorgenwelzijnwestelijkemijnstreek.nl/over-ons/samenwerkingsverbanden/vrijwilligerscentrale-en-mantelzorgondersteuning'

/**
 * What an editor finds in the moderation queue on a busy day: a tip, a lesson,
 * a suggested change and an example with files and a long web address. Made
 * straight in the database, as a factory, so layout tests do not depend on the forms.
 */
export async function fillModerationQueue(server: TestServer) {
  const db = server.database.db
  const [section] = await db.select({ id: sections.id }).from(sections).where(eq(sections.slug, 'centraal-contactpunt'))
  await db.insert(contributions).values([
    { kind: 'tip', sectionId: section.id, body: 'Zet het telefoonnummer van het contactpunt op elke flyer van elke aangesloten organisatie.', name: 'Karin de Boer', organisation: 'Vrijwilligerscentrale Ergens', showName: 1 },
    { kind: 'lesson', sectionId: section.id, body: `Ons contactpunt stond eerst alleen online (${longUrl}); pas met een balie in de bibliotheek kwamen mensen ook echt langs.` },
    {
      kind: 'suggestion',
      sectionId: section.id,
      originalText: 'Een centraal contactpunt maakt het voor burgers en verwijzers zo laagdrempelig mogelijk om hulp te vragen.',
      body: 'Een centraal contactpunt maakt het voor burgers en verwijzers zo laagdrempelig en dichtbij mogelijk om hulp te vragen.',
      reason: 'Nabijheid maakt het verschil.',
    },
  ])
  const story = markdownToDocument(`Het begon met een kop koffie bij de vrijwilligerscentrale. Meer op ${longUrl}.\n\nNu staat er één loket in de bibliotheek.`)
  const [example] = await db
    .insert(examples)
    .values({
      slug: 'loket-zwolle-ter-beoordeling',
      name: 'Vrijwilligersloket Zwolle-Zuid en omstreken',
      place: 'Zwolle',
      region: 'Overijssel',
      themes: ['centraal-contactpunt'],
      summary: 'Twaalf organisaties in Zwolle delen één loket voor vrijwillige hulp.',
      website: longUrl,
      contact: 'info@vrijwilligersloketzwollezuidenomstreken.nl',
      story,
      storyHtml: renderDocumentHtml(story),
      storyText: documentPlainText(story),
      status: 'pending',
    })
    .returning({ id: examples.id })
  await db.insert(attachments).values([
    { exampleId: example.id, storageKey: 'test/jaarverslag', fileName: 'jaarverslag-vrijwilligersloket-zwolle-zuid-2025-definitief.pdf', mediaType: 'application/pdf', byteSize: 182_000 },
    { exampleId: example.id, storageKey: 'test/foto', fileName: 'balie.png', mediaType: 'image/png', byteSize: 52_000 },
  ])
}

/** A reader who asked to follow the handbook: the paths of the confirmation and unsubscribe links their mails carry. */
export async function followerLinks(server: TestServer) {
  const db = server.database.db
  const { id, token, secretHash } = newToken()
  const linkId = randomSecret()
  await db.insert(subscriptions).values({ email: 'lezer.volgt@voorbeeld.nl', linkId, confirmTokenId: id, confirmSecretHash: secretHash })
  return { confirm: `/volgen/bevestigen/${token}`, unsubscribe: new URL(await unsubscribeUrl(db, server.url, linkId)).pathname }
}

/** Publishes `markdown` as a section's new text, straight in the database (what the editor's publish stores). */
async function publishDirectly(server: TestServer, slug: string, markdown: string, authors: string[], publisherId: number) {
  const db = server.database.db
  const [section] = await db.select({ id: sections.id, title: sections.title }).from(sections).where(eq(sections.slug, slug))
  const document = markdownToDocument(markdown)
  const [revision] = await db
    .insert(revisions)
    .values({ sectionId: section.id, title: section.title, document, html: renderDocumentHtml(document), plainText: documentPlainText(document), summary: 'Voor de opmaaktest', authors, createdBy: publisherId })
    .returning({ id: revisions.id })
  await db.update(sections).set({ currentRevisionId: revision.id }).where(eq(sections.id, section.id))
}

/**
 * Two editions with changes between them (a long web address among the added words,
 * a credited visitor) and a change since the second, for /edities/2/wijzigingen and /wijzigingen.
 */
export async function editionsWithChanges(server: TestServer) {
  const db = server.database.db
  const editor = await createUser(db, { role: 'editor', name: 'Eva Redacteur' })
  await server.site.pdf.freezeEdition(editor, 'Eerste editie voor de opmaaktest', server.url)
  await publishDirectly(server, 'lobby', `Lobby begint bij de wethouder. Zie ook ${longUrl} voor een voorbeeld.\n\nEen tweede alinea met nieuwe woorden.`, ['Mila Netwerklid'], editor.id)
  const [section] = await db.select({ id: sections.id }).from(sections).where(eq(sections.slug, 'lobby'))
  await db.insert(contributions).values({ kind: 'tip', sectionId: section.id, body: 'Nodig de wethouder uit op de borrel.', name: 'Karin de Boer', organisation: 'Vrijwilligerscentrale Ergens', showName: 1, status: 'approved', decidedAt: new Date() })
  await server.site.pdf.freezeEdition(editor, 'Tweede editie voor de opmaaktest', server.url)
  await publishDirectly(server, 'mandaat', 'Het mandaat ligt bij de voorzitter en twee leden van het netwerk.', [], editor.id)
}
