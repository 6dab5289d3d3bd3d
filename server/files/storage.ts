import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import { once } from 'node:events'
import type { Readable } from 'node:stream'

/** Where uploaded files live: one interface, a folder by default or an S3-compatible bucket. */
export interface FileStorage {
  /** Moves a finished temporary file into storage under `key`. */
  store(key: string, temporaryFile: string, mediaType: string): Promise<void>
  read(key: string): Promise<Readable>
  remove(key: string): Promise<void>
}

export type StorageConfig = {
  dataDir: string
  s3?: { bucket: string; region: string; endpoint?: string; accessKeyId: string; secretAccessKey: string }
}

export function createStorage(config: StorageConfig): FileStorage {
  return config.s3 ? s3Storage(config.s3) : folderStorage(path.join(config.dataDir, 'uploads'))
}

export function uploadTempDir(dataDir: string) {
  return path.join(dataDir, 'uploads', 'tmp')
}

function folderStorage(root: string): FileStorage {
  const fileFor = (key: string) => {
    if (!/^[a-z0-9/-]+\.[a-z0-9]+$/.test(key)) throw new Error(`unsafe storage key ${key}`)
    return path.join(root, key)
  }
  return {
    async store(key, temporaryFile) {
      await mkdir(path.dirname(fileFor(key)), { recursive: true })
      await rename(temporaryFile, fileFor(key))
    },
    async read(key) {
      return createReadStream(fileFor(key))
    },
    async remove(key) {
      await rm(fileFor(key), { force: true })
    },
  }
}

function s3Storage(settings: NonNullable<StorageConfig['s3']>): FileStorage {
  const client = import('@aws-sdk/client-s3').then(
    (s3) =>
      [
        s3,
        new s3.S3Client({
          region: settings.region,
          endpoint: settings.endpoint,
          forcePathStyle: Boolean(settings.endpoint),
          credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
        }),
      ] as const,
  )
  return {
    async store(key, temporaryFile, mediaType) {
      const [{ Upload }, [, s3Client]] = await Promise.all([import('@aws-sdk/lib-storage'), client])
      // Multipart upload straight from the file: the bytes are never held whole in memory.
      await new Upload({ client: s3Client, params: { Bucket: settings.bucket, Key: key, Body: createReadStream(temporaryFile), ContentType: mediaType } }).done()
      await rm(temporaryFile, { force: true })
    },
    async read(key) {
      const [s3, s3Client] = await client
      const object = await s3Client.send(new s3.GetObjectCommand({ Bucket: settings.bucket, Key: key }))
      return object.Body as Readable
    },
    async remove(key) {
      const [s3, s3Client] = await client
      await s3Client.send(new s3.DeleteObjectCommand({ Bucket: settings.bucket, Key: key }))
    },
  }
}

/**
 * Copies an upload to a file, keeping at most `maxBytes`. Past the limit the
 * rest is read and dropped (so the request can finish) and the file removed:
 * memory stays flat whatever is sent.
 */
export async function writeLimited(source: AsyncIterable<Uint8Array>, file: string, maxBytes: number) {
  await mkdir(path.dirname(file), { recursive: true })
  const output = createWriteStream(file)
  let size = 0
  try {
    for await (const chunk of source) {
      size += chunk.length
      if (size > maxBytes) continue
      if (!output.write(chunk)) await once(output, 'drain')
    }
  } finally {
    await new Promise((resolve) => output.end(resolve))
  }
  if (size > maxBytes) {
    await rm(file, { force: true })
    throw new UploadTooLarge()
  }
  return size
}

export class UploadTooLarge extends Error {}
