import { unstable_parseMultipartFormData as parseMultipartFormData } from '@remix-run/node'
import { discardUploads, drain, isUploadProblem, receiveUpload, shownFileName, uploadLimits, type ReceivedFile, type UploadProblem } from './uploads'

/** Text in a multipart form is bounded like any other form (256 KB), and each field on its own. */
export const formTextLimits = { totalBytes: 256 * 1024, fieldBytes: 64 * 1024, fields: 100 }

export type UploadForm = {
  /** The text fields only. */
  fields: FormData
  files: ReceivedFile[]
  problems: UploadProblem[]
  /** How many files the browser sent, kept or not. */
  filesSent: number
  /** More text than `formTextLimits` allows: nothing of the form is to be used. */
  tooMuchText: boolean
}

/**
 * Reads a multipart form part by part, in the order the browser sends it.
 * Text fields are kept in memory within `formTextLimits`. Before the first
 * file's bytes are written, `beforeFiles` decides on the text fields so far —
 * our forms put the anti-spam fields first, so that is where honeypot, form
 * token, fill time and rate limit are checked. Refused files are read and
 * dropped (the browser must finish sending to see our answer), never written.
 * A file part sent before the anti-spam fields meets an empty check and is
 * refused with it: no form of ours does that, so it is the safe answer.
 * On a broken or aborted request every file taken in so far is discarded.
 */
export async function readUploadForm(request: Request, options: { temporaryDir: string; fileField: string; beforeFiles: (fields: FormData) => Promise<boolean> }): Promise<UploadForm> {
  const form: UploadForm = { fields: new FormData(), files: [], problems: [], filesSent: 0, tooMuchText: false }
  let textBytes = 0
  let textFields = 0
  let filesAllowed: boolean | undefined

  const takeText = async (name: string, data: AsyncIterable<Uint8Array>) => {
    const chunks: Uint8Array[] = []
    let size = Buffer.byteLength(name)
    for await (const chunk of data) {
      size += chunk.length
      if (!form.tooMuchText && size <= formTextLimits.fieldBytes && textBytes + size <= formTextLimits.totalBytes) chunks.push(chunk)
    }
    textBytes += size
    textFields += 1
    if (size > formTextLimits.fieldBytes || textBytes > formTextLimits.totalBytes || textFields > formTextLimits.fields) form.tooMuchText = true
    if (!form.tooMuchText) form.fields.append(name, Buffer.concat(chunks).toString('utf8'))
  }

  const takeFile = async (filename: string, data: AsyncIterable<Uint8Array>) => {
    filesAllowed ??= !form.tooMuchText && (await options.beforeFiles(form.fields))
    form.filesSent += 1
    if (!filesAllowed || form.tooMuchText) return void (await drain(data))
    if (form.filesSent > uploadLimits.maxFiles) {
      await drain(data)
      form.problems.push({ fileName: shownFileName(filename), message: `U kunt hoogstens ${uploadLimits.maxFiles} bestanden meesturen.` })
      return
    }
    const result = await receiveUpload(data, filename, options.temporaryDir)
    if (isUploadProblem(result)) form.problems.push(result)
    else form.files.push(result)
  }

  try {
    await parseMultipartFormData(request, async ({ name, filename, data }) => {
      if (filename === undefined) await takeText(name, data)
      // An empty file input still sends a part, without a name or bytes.
      else if (name === options.fileField && filename !== '') await takeFile(filename, data)
      else await drain(data)
      return undefined
    })
  } catch (error) {
    await discardUploads(form.files)
    throw error
  }
  if (form.tooMuchText) {
    await discardUploads(form.files)
    form.files = []
  }
  return form
}
