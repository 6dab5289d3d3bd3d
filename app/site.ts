/** The handbook's own name and lines, as on the cover of the 2014 edition. */
export const site = {
  title: 'Handreiking Lokaal samenwerken',
  subtitle: 'vrijwilligersorganisaties in zorg en welzijn',
  tagline: 'Zet uzelf op de kaart… door samen te werken',
}

/** Public pages are the same for every reader: caches may keep them briefly and revalidate by ETag. */
export const publicPageHeaders = { 'Cache-Control': 'public, max-age=60, stale-while-revalidate=600' }

const dateFormat = new Intl.DateTimeFormat('nl-NL', { dateStyle: 'long', timeZone: 'Europe/Amsterdam' })

export function formatDate(value: string | Date) {
  return dateFormat.format(new Date(value))
}

/** "2.1 Voor burgers/zorgvragers", or just the title for unnumbered entries. */
export function sectionLabel(entry: { number: string; title: string }) {
  return entry.number ? `${entry.number} ${entry.title}` : entry.title
}

const dateTimeFormat = new Intl.DateTimeFormat('nl-NL', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Amsterdam' })

export function formatDateTime(value: string | Date) {
  return dateTimeFormat.format(new Date(value))
}

/** Contributions are published under this licence; visitors consent to it when they send one. */
export const contributionLicence = {
  name: 'Creative Commons Naamsvermelding-GelijkDelen 4.0 (CC BY-SA 4.0)',
  url: 'https://creativecommons.org/licenses/by-sa/4.0/deed.nl',
}
