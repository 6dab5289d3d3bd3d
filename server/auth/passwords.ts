import { hash, verify } from '@node-rs/argon2'
import { commonPasswords } from './common-passwords'

// OWASP's argon2id baseline: 19 MiB, 2 iterations, 1 lane.
const argon2Options = { memoryCost: 19456, timeCost: 2, parallelism: 1, outputLen: 32 }

export const minimumPasswordLength = 10

export function hashPassword(password: string) {
  return hash(password, argon2Options)
}

export async function verifyPassword(passwordHash: string, password: string) {
  try {
    return await verify(passwordHash, password)
  } catch {
    return false
  }
}

/** A Dutch reason why a password is not good enough, or null when it is. */
export function passwordProblem(password: string, context: { email?: string; name?: string } = {}): string | null {
  if (password.length < minimumPasswordLength) return `Kies een wachtwoord van minstens ${minimumPasswordLength} tekens.`
  if (password.length > 200) return 'Kies een wachtwoord van hoogstens 200 tekens.'
  const lowered = password.toLowerCase()
  if (commonPasswords.has(lowered) || /^(.)\1+$/.test(password) || /^(0123456789|1234567890|abcdefghij)/.test(lowered)) {
    return 'Dit wachtwoord is te bekend en makkelijk te raden. Kies een ander.'
  }
  const own = [context.email?.split('@')[0], context.name].filter((part): part is string => Boolean(part && part.length >= 4))
  if (own.some((part) => lowered.includes(part.toLowerCase()))) return 'Gebruik niet uw naam of e-mailadres in uw wachtwoord.'
  return null
}

let dummyHash: Promise<string> | undefined

/** Verifies against a throwaway hash so an unknown address costs as much time as a known one. */
export async function spendPasswordCheckTime(password: string) {
  dummyHash ??= hashPassword('niet-gebruikt-alleen-voor-gelijke-tijd')
  await verifyPassword(await dummyHash, password)
}
