import { sha256 } from '@oslojs/crypto/sha2'
import { constantTimeEqual } from '@oslojs/crypto/subtle'
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding'

/** 160 random bits as 32 lower-case base32 characters: safe in URLs and cookies. */
export function randomSecret(): string {
  return encodeBase32LowerCaseNoPadding(crypto.getRandomValues(new Uint8Array(20)))
}

export function hashSecret(secret: string): Uint8Array {
  return sha256(new TextEncoder().encode(secret))
}

export function secretMatches(secret: string, storedHash: Uint8Array): boolean {
  const hash = hashSecret(secret)
  return hash.length === storedHash.length && constantTimeEqual(hash, storedHash)
}

/**
 * Tokens are "<id>.<secret>": the id finds the row, the secret proves possession.
 * Only the secret's hash is stored, so a database leak yields no usable token.
 */
export function splitToken(token: string): { id: string; secret: string } | null {
  const match = /^([a-z2-7]{32})\.([a-z2-7]{32})$/.exec(token)
  return match ? { id: match[1], secret: match[2] } : null
}

export function newToken() {
  const id = randomSecret()
  const secret = randomSecret()
  return { id, secret, token: `${id}.${secret}`, secretHash: hashSecret(secret) }
}
