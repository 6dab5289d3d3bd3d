// Any address no other route claims: a real 404 status, shown by the root's Dutch error page.
export function loader() {
  throw new Response('Niet gevonden', { status: 404 })
}

export default function NotFound() {
  return null
}
