import type { TocEntry } from '#server/handbook/sections'

/**
 * The themes of examples are the handbook's "4. Samenwerken op onderdelen"
 * subjects; a theme's key is that section's slug, so a theme links to its text.
 */
export const themesSectionSlug = 'samenwerken-op-onderdelen'

export function themesFrom(tableOfContents: TocEntry[]) {
  const parent = tableOfContents.find((entry) => entry.slug === themesSectionSlug)
  return (parent?.children ?? []).map((entry) => ({ key: entry.slug, label: entry.title }))
}
