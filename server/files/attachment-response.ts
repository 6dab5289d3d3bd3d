import { Readable } from 'node:stream'
import type { FileStorage } from './storage'

export type StoredAttachment = { storageKey: string; fileName: string; mediaType: string; byteSize: number }

/**
 * An uploaded file, streamed from storage and only ever as a download: the type
 * detected from its bytes at upload, a sandboxing CSP and the site-wide nosniff,
 * so a file from a stranger can never run as a page of this site.
 */
export async function attachmentResponse(storage: FileStorage, file: StoredAttachment) {
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
