/** A form POST as a browser on the site itself sends it (same Origin), without following redirects. */
export function postForm(baseUrl: string, path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(baseUrl + path, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: baseUrl, ...headers },
    body: new URLSearchParams(fields),
  })
}

export function get(baseUrl: string, path: string, headers: Record<string, string> = {}) {
  return fetch(baseUrl + path, { redirect: 'manual', headers })
}

/** The session cookie a response sets, as a Cookie header value. */
export function cookieFrom(response: Response) {
  const setCookie = response.headers.getSetCookie().find((cookie) => cookie.startsWith('sessie='))
  return setCookie?.split(';')[0]
}
