import { randomUUID } from 'node:crypto'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { fileTypeFromFile } from 'file-type'
import { UploadTooLarge, writeLimited } from './storage'

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

export type ReceivedFile = { temporaryFile: string; fileName: string; extension: string; mediaType: string; byteSize: number }
export type UploadProblem = { fileName: string; message: string }

/**
 * Streams one uploaded file to a temporary file (cut off past the limit), then
 * decides its type from its bytes — never from its name or the browser's word.
 */
export async function receiveUpload(data: AsyncIterable<Uint8Array>, originalName: string, temporaryDir: string): Promise<ReceivedFile | UploadProblem> {
  const shownName = path.basename(originalName.replace(/\\/g, '/')).slice(0, 120) || 'bestand'
  const temporaryFile = path.join(temporaryDir, randomUUID())
  let byteSize: number
  try {
    byteSize = await writeLimited(data, temporaryFile, uploadLimits.maxFileBytes)
  } catch (error) {
    if (error instanceof UploadTooLarge) return { fileName: shownName, message: `${shownName} is groter dan 20 MB. Verklein het bestand of deel het in stukken.` }
    throw error
  }
  const detected = await fileTypeFromFile(temporaryFile)
  const allowed = detected ? allowedUploadTypes[detected.ext] : undefined
  const claimedExtension = path.extname(shownName).slice(1).toLowerCase().replace('jpeg', 'jpg')
  if (!detected || !allowed || allowed.mediaType !== detected.mime) {
    await rm(temporaryFile, { force: true })
    return { fileName: shownName, message: `${shownName} is geen toegestaan bestandstype. U kunt PDF, Word, Excel, PowerPoint, ODT, ODS, JPG en PNG uploaden.` }
  }
  if (claimedExtension !== detected.ext) {
    await rm(temporaryFile, { force: true })
    return { fileName: shownName, message: `${shownName} heet een .${claimedExtension || '?'}-bestand, maar is een ${allowed.label}-bestand. Geef het de juiste naam en probeer het opnieuw.` }
  }
  return { temporaryFile, fileName: sanitiseFileName(shownName, detected.ext), extension: detected.ext, mediaType: allowed.mediaType, byteSize }
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
  await Promise.all(files.map((file) => rm(file.temporaryFile, { force: true })))
}
