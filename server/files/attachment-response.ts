import { Readable } from 'node:stream'
import type { FileStorage } from './storage'

export type ServedFile = { storageKey: string; fileName: string; mediaType: string; byteSize: number }

/**
 * An uploaded file as the answer to a request: always a download, with the type
 * detected from its bytes at upload (and the site-wide nosniff), so it can never
 * run as a page of this site. Whether it may be served (published, scanned
 * clean) is the caller's to decide before calling.
 */
export async function attachmentResponse(storage: FileStorage, file: ServedFile) {
  const stream = await storage.read(file.storageKey)
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

/** A preview picture (WebP made by us from a file scanned clean), shown inline. */
export async function previewResponse(storage: FileStorage, previewKey: string, cache: 'public' | 'private') {
  const stream = await storage.read(previewKey)
  return new Response(Readable.toWeb(stream as Readable) as ReadableStream, {
    headers: {
      'Content-Type': 'image/webp',
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Cache-Control': cache === 'public' ? 'public, max-age=3600' : 'private, no-store',
    },
  })
}
