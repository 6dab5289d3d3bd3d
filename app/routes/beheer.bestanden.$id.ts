import { Readable } from 'node:stream'
import type { LoaderFunctionArgs } from '@remix-run/node'
import { can } from '#server/auth/permissions'
import { pendingAttachment } from '#server/contributions/moderation'

/**
 * A file of an example that waits for moderation, for moderators only (403 for
 * everyone else, also signed out: nothing about the file is told). Served like
 * published files: as a download, with the type detected from its bytes at upload.
 */
export async function loader({ params, context }: LoaderFunctionArgs) {
  if (!can(context.authentication?.user ?? null, 'contribution:moderate')) throw new Response('Geen toegang', { status: 403 })
  const id = Number(params.id)
  const file = Number.isInteger(id) && id > 0 ? await pendingAttachment(context.db, id) : null
  if (!file) throw new Response('Niet gevonden', { status: 404 })
  const stream = await context.storage.read(file.storageKey)
  return new Response(Readable.toWeb(stream as Readable) as ReadableStream, {
    headers: {
      'Content-Type': file.mediaType,
      'Content-Length': String(file.byteSize),
      'Content-Disposition': `attachment; filename="${file.fileName}"; filename*=UTF-8''${encodeURIComponent(file.fileName)}`,
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Cache-Control': 'private, no-store',
    },
  })
}
