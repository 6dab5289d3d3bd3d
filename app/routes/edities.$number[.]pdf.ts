import type { LoaderFunctionArgs } from '@remix-run/node'
import { pdfResponse } from '#server/pdf/pdf-response'

// A frozen edition never changes: cache it for a year.
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const number = Number(params.number)
  const file = Number.isInteger(number) && number > 0 ? await context.pdf.editionPdf(number) : null
  if (!file) throw new Response('Niet gevonden', { status: 404 })
  return pdfResponse(request, file, `handreiking-lokaal-samenwerken-editie-${file.number}.pdf`, 'public, max-age=31536000, immutable')
}
