import type { CollabServer } from '#server/collab/collab-server'
import type { Database } from '#server/db/client'
import { getRevision, liveDraftText } from './live-documents'

/** The version name of the live draft in history URLs (?van=concept). */
export const draftVersion = 'concept'

/** The plain text of a published revision (by id) or of the live draft (members only); null when there is none. */
export async function versionText(db: Database, collab: CollabServer, input: { slug: string; version: string; canSeeDraft: boolean }) {
  if (input.version === draftVersion) return input.canSeeDraft ? liveDraftText(collab, input.slug) : null
  const id = Number(input.version)
  return Number.isSafeInteger(id) ? ((await getRevision(db, input.slug, id))?.plainText ?? null) : null
}
