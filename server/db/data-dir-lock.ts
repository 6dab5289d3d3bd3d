import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs'
import path from 'node:path'

/** Thrown when another live process holds the data folder; the message is meant for the operator. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly ownerPid: number,
  ) {
    super(
      `De map ${dataDir} is in gebruik door proces ${ownerPid} (draait de server al?). ` +
        'De ingebouwde database (PGlite) kan maar door één proces tegelijk geopend worden. ' +
        'Stop dat proces eerst, of kies een andere DATA_DIR.',
    )
    this.name = 'DataDirInUseError'
  }
}

type Owner = { pid: number; startTime?: string }

const lockFileName = 'lock.pid'

/**
 * Takes the data folder for this process: an exclusive lock file (created with O_EXCL) that names the
 * owner's pid and, on Linux, its start time. A lock whose owner is gone (killed with -9, machine
 * rebooted and the pid reused by something else) is stale and taken over. Returns the release function.
 */
export function lockDataDir(dataDir: string): () => void {
  const file = path.join(dataDir, lockFileName)
  const me: Owner = { pid: process.pid, startTime: startTimeOf(process.pid) }
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number
    try {
      fd = openSync(file, 'wx', 0o600)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const owner = readOwner(file)
      if (owner && owner.pid !== process.pid && isAlive(owner)) throw new DataDirInUseError(dataDir, owner.pid)
      if (owner?.pid === process.pid) throw new DataDirInUseError(dataDir, owner.pid)
      // Stale (or half-written by a process that died at once): remove it and try again.
      try {
        unlinkSync(file)
      } catch (unlinkError) {
        if ((unlinkError as NodeJS.ErrnoException).code !== 'ENOENT') throw unlinkError
      }
      continue
    }
    writeSync(fd, JSON.stringify(me) + '\n')
    closeSync(fd)
    let released = false
    return () => {
      if (released) return
      released = true
      // Only remove our own lock (never one a later owner took over).
      if (readOwner(file)?.pid === process.pid) unlinkSync(file)
    }
  }
  throw new Error(`Kon ${file} niet aanmaken: het bestand verschijnt steeds opnieuw.`)
}

function readOwner(file: string): Owner | null {
  try {
    const owner = JSON.parse(readFileSync(file, 'utf8')) as Owner
    return Number.isInteger(owner.pid) ? owner : null
  } catch {
    return null
  }
}

function isAlive(owner: Owner) {
  try {
    process.kill(owner.pid, 0)
  } catch (error) {
    // EPERM: the pid exists but belongs to someone else; treat it as alive unless the start time says otherwise.
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false
  }
  const startTime = startTimeOf(owner.pid)
  return !(owner.startTime && startTime && owner.startTime !== startTime)
}

/** Field 22 of /proc/<pid>/stat (clock ticks since boot), so a reused pid is not mistaken for the owner. */
function startTimeOf(pid: number) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  } catch {
    return undefined
  }
}
