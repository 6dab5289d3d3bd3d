import { randomUUID } from 'node:crypto'
import { mkdir, open, readdir, rm, stat, unlink, type FileHandle } from 'node:fs/promises'
import path from 'node:path'
import { Readable } from 'node:stream'
import { logger } from '#server/logger'

/**
 * An upload's bytes while its request lasts. The file's name is removed as
 * soon as the file is open, so only the open handle keeps it: whatever ends
 * the request — an abort, a parse error, a refusal, a crash or `kill -9` — the
 * operating system frees the space. Where a name cannot be removed while open
 * (Windows), the name is kept and removed on discard, and the sweep below
 * catches what a crash leaves.
 */
export class TemporaryFile {
  byteSize = 0

  private constructor(
    private readonly handle: FileHandle,
    private readonly namedPath: string | null,
  ) {}

  static async create(directory: string) {
    await mkdir(directory, { recursive: true })
    const file = path.join(directory, randomUUID())
    const handle = await open(file, 'wx+')
    const unlinked = await unlink(file).then(
      () => true,
      () => false,
    )
    return new TemporaryFile(handle, unlinked ? null : file)
  }

  async write(chunk: Uint8Array) {
    let written = 0
    while (written < chunk.length) {
      const { bytesWritten } = await this.handle.write(chunk, written, chunk.length - written, this.byteSize + written)
      written += bytesWritten
    }
    this.byteSize += chunk.length
  }

  /** The bytes from the start; may be read more than once (type check, scan, storage). */
  read(): Readable {
    // Not fs.createReadStream: destroying that stream (as a reader that has seen enough does) closes the file.
    const handle = this.handle
    const chunks = async function* () {
      for (let position = 0; ; ) {
        const buffer = Buffer.allocUnsafe(64 * 1024)
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position)
        if (bytesRead === 0) return
        position += bytesRead
        yield buffer.subarray(0, bytesRead)
      }
    }
    return Readable.from(chunks(), { objectMode: false })
  }

  async discard() {
    await this.handle.close().catch(() => {})
    if (this.namedPath) await rm(this.namedPath, { force: true })
  }
}

export const temporaryFileMaxAgeMs = 60 * 60 * 1000

/**
 * Removes what an older version or a crash on a system without unlink-on-open
 * left in the temporary folder. Only files older than an hour: no request lives
 * that long (Node ends a request after 5 minutes), so another process sharing
 * the folder never loses a file it is still writing.
 */
export async function sweepTemporaryFiles(directory: string, now = Date.now()) {
  const names = await readdir(directory).catch(() => [] as string[])
  let removed = 0
  for (const name of names) {
    const file = path.join(directory, name)
    const info = await stat(file).catch(() => null)
    if (!info || now - info.mtimeMs < temporaryFileMaxAgeMs) continue
    await rm(file, { recursive: true, force: true })
    removed += 1
  }
  if (removed > 0) logger.info({ removed }, 'left-over temporary upload files removed')
  return removed
}
