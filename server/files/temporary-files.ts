import { randomUUID } from 'node:crypto'
import { mkdir, open, readdir, rm, unlink, type FileHandle } from 'node:fs/promises'
import path from 'node:path'
import { Readable } from 'node:stream'
import { logger } from '#server/logger'

/**
 * An upload's bytes while its request lasts. The file's name is removed as
 * soon as the file is open, so only the open handle keeps it: whatever ends
 * the request — an abort, a parse error, a refusal, a crash or `kill -9` — the
 * operating system frees the space. No code ever opens one of these files by
 * its name, which is why the sweep below may remove any name it finds.
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
    // ENOENT: a sweep (another process's start) removed the name first, which is just as good.
    const unlinked = await unlink(file).then(
      () => true,
      (error: NodeJS.ErrnoException) => error.code === 'ENOENT',
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

/**
 * Removes every name in the temporary folder: what a crash left between a
 * file's open and its unlink (one system call; `kill -9` at that moment), or an
 * older version's files. A file still in use anywhere is used through its open
 * handle, which keeps working without the name; where the system refuses to
 * remove an open file (a name kept because unlink-on-open failed), it stays for
 * the next sweep. Runs before the server listens, and with the retention job.
 */
export async function sweepTemporaryFiles(directory: string) {
  const names = await readdir(directory).catch(() => [] as string[])
  let removed = 0
  for (const name of names) {
    const gone = await rm(path.join(directory, name), { recursive: true, force: true }).then(
      () => true,
      () => false,
    )
    if (gone) removed += 1
  }
  if (removed > 0) logger.info({ removed }, 'left-over temporary upload files removed')
  return removed
}
