import type { PdfFile } from './editions'

/** A PDF download: named, cacheable by content hash, answered with 304 when the reader has it. */
export function pdfResponse(request: Request, file: PdfFile, fileName: string, cacheControl: string) {
  const etag = `"${file.hash}"`
  const headers = {
    ETag: etag,
    'Cache-Control': cacheControl,
    'Content-Type': 'application/pdf',
    'Content-Disposition': `inline; filename="${fileName}"`,
  }
  if (request.headers.get('If-None-Match') === etag) return new Response(null, { status: 304, headers })
  return new Response(new Uint8Array(file.bytes), { headers: { ...headers, 'Content-Length': String(file.bytes.length) } })
}
