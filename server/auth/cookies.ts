import { inactivityTimeoutMs } from './sessions'

// "__Host-" binds the cookie to this host over HTTPS; plain http (development,
// tests) cannot carry it, so there the name has no prefix.
const secure = process.env.NODE_ENV === 'production' && process.env.INSECURE_COOKIES !== '1'
export const sessionCookieName = secure ? '__Host-sessie' : 'sessie'

export function sessionCookie(token: string) {
  const attributes = ['Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${Math.floor(inactivityTimeoutMs / 1000)}`]
  if (secure) attributes.push('Secure')
  return `${sessionCookieName}=${token}; ${attributes.join('; ')}`
}

export function expiredSessionCookie() {
  return `${sessionCookieName}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secure ? '; Secure' : ''}`
}

export function readSessionToken(cookieHeader: string | null | undefined): string | null {
  if (!cookieHeader) return null
  for (const part of cookieHeader.split(';')) {
    const [name, ...value] = part.trim().split('=')
    if (name === sessionCookieName) return value.join('=')
  }
  return null
}
