import { Readable } from 'node:stream'
import type { LoaderFunctionArgs } from '@remix-run/node'
import { takeDownload } from '#server/examples/submissions'

/**
 * Files are only ever served as downloads, with the type detected at upload (and
 * the site-wide nosniff), so an uploaded file can never run as a page of this site.
 */
export async function loader({ params, context }: LoaderFunctionArgs) {
  const id = Number(params.id)
  const file = Number.isInteger(id) ? await takeDownload(context.db, params.slug ?? '', id) : null
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
