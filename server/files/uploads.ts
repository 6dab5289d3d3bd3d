import path from 'node:path'
import { Readable } from 'node:stream'
import { fileTypeFromBuffer, fileTypeFromStream } from 'file-type'
import { TemporaryFile } from './temporary-files'

export const uploadLimits = { maxFiles: 5, maxFileBytes: 20 * 1024 * 1024 }

/** What may be uploaded, by the type detected from the bytes: extension and media type. */
export const allowedUploadTypes: Record<string, { mediaType: string; label: string }> = {
  pdf: { mediaType: 'application/pdf', label: 'PDF' },
  docx: { mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', label: 'Word (DOCX)' },
  xlsx: { mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', label: 'Excel (XLSX)' },
  pptx: { mediaType: 'application/vnd.openxmlformats-officedocument.presentationml.presentation', label: 'PowerPoint (PPTX)' },
  odt: { mediaType: 'application/vnd.oasis.opendocument.text', label: 'ODT' },
  ods: { mediaType: 'application/vnd.oasis.opendocument.spreadsheet', label: 'ODS' },
  jpg: { mediaType: 'image/jpeg', label: 'JPG' },
  png: { mediaType: 'image/png', label: 'PNG' },
}

export type ReceivedFile = { file: TemporaryFile; fileName: string; extension: string; mediaType: string; byteSize: number }
export type UploadProblem = { fileName: string; message: string }

// Enough for file-type to tell every allowed type, or a zip that may be an Office file, from the first bytes.
const headBytes = 4100

/**
 * Takes in one uploaded file. Its first bytes are looked at in memory, so a
 * file that is plainly of a refused type never reaches the disk; the rest is
 * streamed to a temporary file (cut off past the limit), and the type is then
 * decided from all its bytes — never from its name or the browser's word.
 */
export async function receiveUpload(data: AsyncIterable<Uint8Array>, originalName: string, temporaryDir: string): Promise<ReceivedFile | UploadProblem> {
  const shownName = shownFileName(originalName)
  const refusedType = { fileName: shownName, message: `${shownName} is geen toegestaan bestandstype. U kunt PDF, Word, Excel, PowerPoint, ODT, ODS, JPG en PNG uploaden.` }
  const { head, rest } = await takeHead(data, headBytes)
  const guessed = await fileTypeFromBuffer(head)
  if (!guessed || !(guessed.ext in allowedUploadTypes || guessed.ext === 'zip')) {
    await drain(rest)
    return refusedType
  }

  const file = await TemporaryFile.create(temporaryDir)
  try {
    await file.write(head)
    let tooLarge = false
    for await (const chunk of rest) {
      // Past the limit the rest is read and dropped, so the request can finish and get its answer.
      tooLarge ||= file.byteSize + chunk.length > uploadLimits.maxFileBytes
      if (!tooLarge) await file.write(chunk)
    }
    if (tooLarge) {
      await file.discard()
      return { fileName: shownName, message: `${shownName} is groter dan 20 MB. Verklein het bestand of deel het in stukken.` }
    }
    const bytes = file.read()
    const detected = await fileTypeFromStream(Readable.toWeb(bytes)).finally(() => bytes.destroy())
    const allowed = detected ? allowedUploadTypes[detected.ext] : undefined
    const claimedExtension = path.extname(shownName).slice(1).toLowerCase().replace('jpeg', 'jpg')
    if (!detected || !allowed || allowed.mediaType !== detected.mime) {
      await file.discard()
      return refusedType
    }
    if (claimedExtension !== detected.ext) {
      await file.discard()
      return { fileName: shownName, message: `${shownName} heet een .${claimedExtension || '?'}-bestand, maar is een ${allowed.label}-bestand. Geef het de juiste naam en probeer het opnieuw.` }
    }
    return { file, fileName: sanitiseFileName(shownName, detected.ext), extension: detected.ext, mediaType: allowed.mediaType, byteSize: file.byteSize }
  } catch (error) {
    await file.discard()
    throw error
  }
}

/** The first `size` bytes (or a little more, whole chunks) and an iterable of the rest. */
async function takeHead(data: AsyncIterable<Uint8Array>, size: number) {
  const iterator = data[Symbol.asyncIterator]()
  const chunks: Uint8Array[] = []
  let length = 0
  let ended = false
  while (length < size && !ended) {
    const next = await iterator.next()
    if (next.done) ended = true
    else {
      chunks.push(next.value)
      length += next.value.length
    }
  }
  const rest: AsyncIterable<Uint8Array> = {
    async *[Symbol.asyncIterator]() {
      if (ended) return
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value
    },
  }
  return { head: Buffer.concat(chunks), rest }
}

/** Reads a part to its end without keeping anything; returns how many bytes it had. */
export async function drain(data: AsyncIterable<Uint8Array>) {
  let size = 0
  for await (const chunk of data) size += chunk.length
  return size
}

export function shownFileName(originalName: string) {
  return path.basename(originalName.replace(/\\/g, '/')).slice(0, 120) || 'bestand'
}

/** ASCII letters, digits, dots and dashes, with the detected extension: safe in headers and on disk. */
export function sanitiseFileName(name: string, extension: string) {
  const base = name
    .replace(/\.[^.]*$/, '')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[.-]+|[.-]+$/g, '')
    .replace(/-{2,}/g, '-')
    .slice(0, 80)
  return `${base || 'bestand'}.${extension}`
}

export function isUploadProblem(value: ReceivedFile | UploadProblem): value is UploadProblem {
  return 'message' in value
}

export async function discardUploads(files: ReceivedFile[]) {
  await Promise.all(files.map((received) => received.file.discard()))
}
