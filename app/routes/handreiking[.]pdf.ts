import type { LoaderFunctionArgs } from '@remix-run/node'
import { pdfResponse } from '#server/pdf/pdf-response'

// The current edition; rendered again only after something was published.
export async function loader({ request, context }: LoaderFunctionArgs) {
  const file = await context.pdf.currentEdition(context.publicUrl)
  return pdfResponse(request, file, 'handreiking-lokaal-samenwerken.pdf', 'public, max-age=300, must-revalidate')
}
