import { spawn } from 'node:child_process'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { and, asc, eq, inArray, isNull } from 'drizzle-orm'
import { recordAudit } from '#server/audit'
import type { Database } from '#server/db/client'
import { attachments, pendingUploads } from '#server/db/schema'
import { logger } from '#server/logger'
import { clamdScanner, type VirusScanner } from './clamd'
import type { FileStorage } from './storage'
import { uploadOwner } from './stored-uploads'
import { TemporaryFile } from './temporary-files'
import type { ReceivedFile, UploadProblem } from './uploads'

export type ScanStatus = 'pending' | 'clean'
export type CheckedFile = ReceivedFile & { scanStatus: ScanStatus }

/** Width and height a preview fits in, in pixels; shown at half that on high-density screens. */
const previewSize = 480
/** Larger images are refused: decoding one would take more memory than an upload should (a "pixel bomb"). */
const maxImagePixels = 60_000_000
const previewableTypes = new Set(['image/jpeg', 'image/png', 'application/pdf'])

/**
 * Everything that makes an uploaded file safe to hand out, made once in
 * server/site.ts: the virus scan (clamd over INSTREAM when CLAMD_URL is set),
 * photos re-encoded without their metadata, and previews made only from files
 * scanned clean.
 */
export class FileSafety {
  readonly scanner: VirusScanner | null

  constructor(
    private readonly db: Database,
    private readonly storage: FileStorage,
    private readonly temporaryDir: string,
    options: { clamdUrl?: string; scanner?: VirusScanner; scanTimeoutMs?: number } = {},
  ) {
    this.scanner = options.scanner ?? (options.clamdUrl ? clamdScanner({ url: options.clamdUrl, timeoutMs: options.scanTimeoutMs }) : null)
  }

  /** Whether files are virus-scanned at all (CLAMD_URL set). Without it files are served unscanned, as before. */
  get scanning() {
    return this.scanner !== null
  }

  /** Whether a file in this state may be handed to anyone (readers or moderators). */
  servable(status: string) {
    return !this.scanning || status === 'clean'
  }

  /**
   * Scans each received file and re-encodes photos. An infected file is refused
   * (a problem for the form, audited, its bytes discarded); when the scanner
   * cannot be reached the file is kept as 'pending', to wait in quarantine.
   * On return, every file in `files` is either in the answer's `files` or discarded.
   */
  async checkUploads(files: ReceivedFile[], who: { clientKey: string; userId?: number }): Promise<{ files: CheckedFile[]; problems: UploadProblem[] }> {
    const checked: CheckedFile[] = []
    const problems: UploadProblem[] = []
    for (const [index, received] of files.entries()) {
      try {
        const scanStatus = await this.scanReceived(received, who)
        if (scanStatus === 'infected') {
          problems.push({ fileName: received.fileName, message: `In ${received.fileName} is een virus of ander schadelijk onderdeel gevonden. Wij hebben het bestand niet bewaard. Controleer het bestand met een virusscanner en stuur een schone versie.` })
          await received.file.discard()
          continue
        }
        const cleaned = await this.withoutMetadata(received)
        if ('message' in cleaned) {
          problems.push(cleaned)
          continue
        }
        checked.push({ ...cleaned, scanStatus })
      } catch (error) {
        await Promise.all([...checked, ...files.slice(index)].map((file) => file.file.discard()))
        throw error
      }
    }
    return { files: checked, problems }
  }

  private async scanReceived(received: ReceivedFile, who: { clientKey: string; userId?: number }): Promise<ScanStatus | 'infected'> {
    if (!this.scanner) return 'pending'
    const result = await this.scanner.scan(received.file.read())
    if (result.verdict === 'clean') return 'clean'
    if (result.verdict === 'unavailable') {
      logger.warn({ reason: result.reason, fileName: received.fileName }, 'virus scanner unavailable: upload kept in quarantine, not yet scanned')
      return 'pending'
    }
    logger.warn({ signature: result.signature, fileName: received.fileName }, 'infected upload refused')
    await recordAudit(this.db, { actorId: who.userId ?? null, action: 'file.infected', details: { fileName: received.fileName, signature: result.signature, byteSize: received.byteSize, clientHash: who.clientKey, stage: 'upload' } })
    return 'infected'
  }

  /**
   * JPEG and PNG are decoded and encoded again by sharp (libvips), which writes
   * no metadata unless asked: EXIF (with GPS position, camera, time), XMP, IPTC
   * and comments are gone. The orientation is applied to the pixels first, so
   * the photo stays upright. The ICC colour profile is converted to sRGB.
   */
  private async withoutMetadata(received: ReceivedFile): Promise<ReceivedFile | UploadProblem> {
    if (received.mediaType !== 'image/jpeg' && received.mediaType !== 'image/png') return received
    const output = await TemporaryFile.create(this.temporaryDir)
    try {
      const sharp = await loadSharp()
      const image = sharp({ limitInputPixels: maxImagePixels, failOn: 'error' }).rotate()
      const encoder = received.mediaType === 'image/jpeg' ? image.jpeg({ quality: 90, mozjpeg: true }) : image.png({ compressionLevel: 9 })
      await pipeline(received.file.read(), encoder, async (chunks: AsyncIterable<Buffer>) => {
        for await (const chunk of chunks) await output.write(chunk)
      })
    } catch (error) {
      await output.discard()
      await received.file.discard()
      logger.info({ err: error, fileName: received.fileName }, 'image upload could not be re-encoded')
      return { fileName: received.fileName, message: `${received.fileName} kon niet als afbeelding worden gelezen (beschadigd of groter dan 60 megapixel). Sla de foto opnieuw op en probeer het nog eens.` }
    }
    await received.file.discard()
    return { ...received, file: output, byteSize: output.byteSize }
  }

  /** Previews for these attachments, where scanned clean (or unscanned without a scanner: never). Failures are logged, not thrown. */
  async makePreviews(attachmentIds: number[]) {
    if (!this.scanning || attachmentIds.length === 0) return
    const rows = await this.db
      .select()
      .from(attachments)
      .where(and(inArray(attachments.id, attachmentIds), eq(attachments.scanStatus, 'clean'), isNull(attachments.previewKey)))
    for (const row of rows) {
      if (!previewableTypes.has(row.mediaType)) continue
      await this.makePreview(row).catch((error) => logger.warn({ err: error, attachmentId: row.id }, 'could not make a preview'))
    }
  }

  private async makePreview(row: typeof attachments.$inferSelect) {
    const source = await this.storage.read(row.storageKey)
    const input = row.mediaType === 'application/pdf' ? await firstPdfPage(source) : source
    const sharp = await loadSharp()
    const picture = sharp({ limitInputPixels: maxImagePixels }).rotate().resize(previewSize, previewSize, { fit: 'inside', withoutEnlargement: true }).flatten({ background: '#ffffff' }).webp({ quality: 75 })
    if (Buffer.isBuffer(input)) picture.end(input)
    else input.once('error', (error) => picture.destroy(error)).pipe(picture)
    const bytes = await picture.toBuffer()
    const key = row.storageKey.replace(/\.[a-z0-9]+$/, '-voorbeeld.webp')
    // Marked pending like an upload, so the orphan sweep leaves it alone until the row points at it.
    await this.db.insert(pendingUploads).values({ storageKey: key, owner: uploadOwner, createdAt: new Date() }).onConflictDoNothing()
    await this.storage.store(key, Readable.from([bytes]), 'image/webp')
    await this.db.transaction(async (tx) => {
      await tx.update(attachments).set({ previewKey: key }).where(eq(attachments.id, row.id))
      await tx.delete(pendingUploads).where(eq(pendingUploads.storageKey, key))
    })
  }

  /**
   * Scans every file still waiting ('pending', e.g. stored while the scanner
   * was down, or before scanning existed), oldest first: clean ones are released
   * and get their preview; an infected one is removed with its row and audited.
   * Stops at the first "unavailable": the scanner is down, try again next time.
   */
  rescanPending() {
    // One run at a time in this process (the start, the timer and the retention job may meet).
    this.rescanning ??= this.rescan().finally(() => (this.rescanning = undefined))
    return this.rescanning
  }

  private rescanning: Promise<{ scanned: number; waiting: number }> | undefined

  private async rescan() {
    if (!this.scanner) return { scanned: 0, waiting: 0 }
    const waiting = await this.db.select().from(attachments).where(eq(attachments.scanStatus, 'pending')).orderBy(asc(attachments.id))
    let scanned = 0
    for (const row of waiting) {
      const result = await this.scanner.scan(await this.storage.read(row.storageKey))
      if (result.verdict === 'unavailable') {
        logger.warn({ reason: result.reason, waiting: waiting.length - scanned }, 'virus scanner unavailable: files stay in quarantine')
        break
      }
      scanned += 1
      if (result.verdict === 'clean') {
        await this.db.update(attachments).set({ scanStatus: 'clean', scannedAt: new Date() }).where(eq(attachments.id, row.id))
        await this.makePreviews([row.id])
      } else {
        logger.warn({ signature: result.signature, attachmentId: row.id }, 'stored file found infected: removed')
        await this.db.delete(attachments).where(eq(attachments.id, row.id))
        await this.storage.remove(row.storageKey).catch((error) => logger.error({ err: error, key: row.storageKey }, 'could not remove an infected file'))
        await recordAudit(this.db, { actorId: null, action: 'file.infected', details: { fileName: row.fileName, signature: result.signature, exampleId: row.exampleId, stage: 'quarantine' } })
      }
    }
    if (scanned > 0) logger.info({ scanned }, 'quarantined files scanned')
    return { scanned, waiting: waiting.length - scanned }
  }
}

async function collect(chunks: AsyncIterable<Buffer>) {
  const parts: Buffer[] = []
  for await (const chunk of chunks) parts.push(chunk)
  return Buffer.concat(parts)
}

/** The first page as a PNG, by poppler's pdftoppm (Debian's poppler-utils), fed on stdin. */
async function firstPdfPage(source: Readable): Promise<Buffer> {
  const child = spawn('pdftoppm', ['-f', '1', '-l', '1', '-scale-to', String(previewSize * 2), '-png', '-singlefile', '-'], { stdio: ['pipe', 'pipe', 'pipe'] })
  let errors = ''
  child.stderr.on('data', (chunk) => (errors += String(chunk)))
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', resolve)
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  try {
    const [, png, code] = await Promise.all([pipeline(source, child.stdin).catch(() => {}), collect(child.stdout), exited])
    if (code !== 0 || png.length === 0) throw new Error(`pdftoppm failed (${code}): ${errors.slice(0, 300)}`)
    return png
  } finally {
    clearTimeout(timer)
  }
}

/** sharp and libvips (~10 MB) are loaded by the first image, not at start (docs/decisions/009). */
async function loadSharp() {
  return (await import('sharp')).default
}
