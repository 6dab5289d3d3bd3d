import type { LoaderFunctionArgs } from '@remix-run/node'
import { publishedPreview } from '#server/examples/submissions'
import { previewResponse } from '#server/files/attachment-response'

/** The preview picture of a published example's file (only ever made from a file scanned clean). */
export async function loader({ params, context }: LoaderFunctionArgs) {
  const id = Number(params.id)
  const key = Number.isInteger(id) && id > 0 ? await publishedPreview(context.db, params.slug ?? '', id) : null
  if (!key) throw new Response('Niet gevonden', { status: 404 })
  return previewResponse(context.storage, key, 'public')
}
