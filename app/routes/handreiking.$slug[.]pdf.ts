import type { LoaderFunctionArgs } from '@remix-run/node'
import { pdfResponse } from '#server/pdf/pdf-response'

// One chapter of the current edition with its sub-sections; rendered again only after something in it was published.
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const slug = params.slug ?? ''
  const file = await context.pdf.chapterPdf(slug, context.publicUrl)
  if (!file) {
    throw new Response('Niet gevonden: alleen een hoofdstuk van de handreiking heeft een eigen pdf. De hele handreiking staat op /handreiking.pdf.', {
      status: 404,
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
    })
  }
  return pdfResponse(request, file, `handreiking-lokaal-samenwerken-${slug}.pdf`, 'public, max-age=300, must-revalidate')
}
