import type { Database } from '#server/db/client'
import { escapeHtml } from '#server/escape-html'
import { frozenEditions, latestRevisionAt, publishedChanges } from './changes'

const feedTitle = 'Wijzigingen in de Handreiking Lokaal samenwerken'
const maxEntries = 50
// The year in entry ids (RFC 4151 tag URIs): fixed, so an id never changes.
const tagYear = '2026'

type Entry = { id: string; title: string; updated: Date; links: string[]; summary: string }

/**
 * The Atom feed at /wijzigingen.xml: one entry per published change of a section and
 * per frozen edition, newest first. Links are absolute, from PUBLIC_URL; there is no
 * personal data in it (no names, no addresses), only what the pages show anyway.
 */
export async function changesFeed(db: Database, publicUrl: string) {
  const [changes, frozen] = await Promise.all([publishedChanges(db, { limit: maxEntries }), frozenEditions(db, { limit: maxEntries })])
  const tag = `tag:${new URL(publicUrl).hostname},${tagYear}:`
  const entries: Entry[] = [
    ...changes.map((change) => ({
      id: `${tag}revisie/${change.revisionId}`,
      title: `${change.number ? `${change.number} ` : ''}${change.title} is bijgewerkt`,
      updated: change.publishedAt,
      links: [link('alternate', `${publicUrl}/handreiking/${change.slug}`, 'text/html'), link('related', `${publicUrl}/wijzigingen`, 'text/html')],
      summary: change.summary || 'De tekst van deze paragraaf is bijgewerkt.',
    })),
    ...frozen.map((edition) => ({
      id: `${tag}editie/${edition.number}`,
      title: `Editie ${edition.number} is verschenen`,
      updated: edition.createdAt,
      links: [link('alternate', `${publicUrl}/edities/${edition.number}/wijzigingen`, 'text/html'), link('enclosure', `${publicUrl}/edities/${edition.number}.pdf`, 'application/pdf')],
      summary: edition.note || `De tekst van de handreiking is vastgelegd als editie ${edition.number}.`,
    })),
  ]
    .sort((a, b) => b.updated.getTime() - a.updated.getTime())
    .slice(0, maxEntries)
  const updated = entries[0]?.updated ?? (await latestRevisionAt(db))
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="nl">',
    `  <id>${xml(`${publicUrl}/wijzigingen.xml`)}</id>`,
    `  <title>${xml(feedTitle)}</title>`,
    '  <subtitle>Gepubliceerde wijzigingen in de tekst en nieuwe edities.</subtitle>',
    `  <updated>${updated.toISOString()}</updated>`,
    '  <author><name>Redactie Handreiking Lokaal samenwerken</name></author>',
    `  ${link('self', `${publicUrl}/wijzigingen.xml`, 'application/atom+xml')}`,
    `  ${link('alternate', `${publicUrl}/wijzigingen`, 'text/html')}`,
    ...entries.map((entry) =>
      [
        '  <entry>',
        `    <id>${xml(entry.id)}</id>`,
        `    <title>${xml(entry.title)}</title>`,
        `    <updated>${entry.updated.toISOString()}</updated>`,
        ...entry.links.map((line) => `    ${line}`),
        `    <summary>${xml(entry.summary)}</summary>`,
        '  </entry>',
      ].join('\n'),
    ),
    '</feed>',
    '',
  ].join('\n')
}

/** Escaped, and without the control characters XML 1.0 forbids (a pasted summary may carry one). */
function xml(text: string) {
  // eslint-disable-next-line no-control-regex
  return escapeHtml(text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, ''))
}

function link(rel: string, href: string, type: string) {
  return `<link rel="${rel}" type="${type}" href="${xml(href)}"/>`
}
