import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, readdir, rm } from 'node:fs/promises'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

/** Where uploaded files live: one interface, a folder by default or an S3-compatible bucket. */
export interface FileStorage {
  /** Writes the bytes under `key`; on failure nothing is left under that key. */
  store(key: string, content: Readable, mediaType: string): Promise<void>
  read(key: string): Promise<Readable>
  remove(key: string): Promise<void>
  /** Every stored key under a prefix such as `voorbeelden/`, for the orphan sweep. */
  list(prefix: string): AsyncIterable<string>
}

/** The file store (the S3 bucket) did not take or give a file: a form says so and keeps what was typed. */
export class StorageUnavailableError extends Error {
  readonly code = 'storage-unavailable'
  constructor(operation: string, key: string, cause: unknown) {
    super(`storage ${operation} of ${key} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
  }
}

/** By its code, not instanceof: the Remix build has its own copy of this module. */
export function isStorageUnavailable(error: unknown) {
  return error instanceof Error && (error as { code?: unknown }).code === 'storage-unavailable'
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
    async store(key, content) {
      await mkdir(path.dirname(fileFor(key)), { recursive: true })
      try {
        await pipeline(content, createWriteStream(fileFor(key)))
      } catch (error) {
        await rm(fileFor(key), { force: true })
        throw error
      }
    },
    async read(key) {
      return createReadStream(fileFor(key))
    },
    async remove(key) {
      await rm(fileFor(key), { force: true })
    },
    async *list(prefix) {
      const walk = async function* (directory: string): AsyncGenerator<string> {
        const entries = await readdir(path.join(root, directory), { withFileTypes: true }).catch(() => [])
        for (const entry of entries) {
          const key = directory ? `${directory}/${entry.name}` : entry.name
          if (entry.isDirectory()) yield* walk(key)
          else yield key
        }
      }
      yield* walk(prefix.replace(/\/+$/, ''))
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
          // Checksums only where S3 demands them: not every S3-compatible server takes the SDK's default
          // streaming CRC trailers (aws-chunked uploads).
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
          // A bucket that does not answer fails a request in seconds, not after the OS's TCP timeout.
          requestHandler: { connectionTimeout: 5000, requestTimeout: 60_000 },
        }),
      ] as const,
  )
  return {
    async store(key, content, mediaType) {
      const [{ Upload }, [, s3Client]] = await Promise.all([import('@aws-sdk/lib-storage'), client])
      // Multipart upload straight from the stream: the bytes are never held whole in memory.
      // A failed multipart upload is aborted by lib-storage, so no object is left under the key.
      try {
        await new Upload({ client: s3Client, params: { Bucket: settings.bucket, Key: key, Body: content, ContentType: mediaType } }).done()
      } catch (error) {
        content.destroy()
        throw new StorageUnavailableError('store', key, error)
      }
    },
    async read(key) {
      const [s3, s3Client] = await client
      try {
        const object = await s3Client.send(new s3.GetObjectCommand({ Bucket: settings.bucket, Key: key }))
        return object.Body as Readable
      } catch (error) {
        throw new StorageUnavailableError('read', key, error)
      }
    },
    async remove(key) {
      const [s3, s3Client] = await client
      await s3Client.send(new s3.DeleteObjectCommand({ Bucket: settings.bucket, Key: key }))
    },
    async *list(prefix) {
      const [s3, s3Client] = await client
      let ContinuationToken: string | undefined
      do {
        const page = await s3Client.send(new s3.ListObjectsV2Command({ Bucket: settings.bucket, Prefix: prefix, ContinuationToken }))
        for (const object of page.Contents ?? []) if (object.Key) yield object.Key
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined
      } while (ContinuationToken)
    },
  }
}
