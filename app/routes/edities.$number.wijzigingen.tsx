import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { Breadcrumb } from '#app/components/breadcrumb'
import { ChangeReport } from '#app/components/edition-changes'
import { formatDate, publicPageHeaders, site } from '#app/site'
import { creditLine, editionChangeReport } from '#server/handbook/edition-changes'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `Wat is er veranderd in editie ${data.number} — ${site.title}` : `Pagina niet gevonden — ${site.title}` }]

export const headers = () => publicPageHeaders

export async function loader({ params, context }: LoaderFunctionArgs) {
  const number = /^[1-9]\d{0,8}$/.test(params.number ?? '') ? Number(params.number) : null
  const report = number === null ? null : await editionChangeReport(context.db, number)
  if (!report) throw new Response('Niet gevonden', { status: 404 })
  return { ...report, credits: creditLine(report.credits), changeCredits: creditLine(report.changeCredits) }
}

export default function EditionChangesPage() {
  const report = useLoaderData<typeof loader>()
  return (
    <div className="page page--narrow">
      <Breadcrumb trail={[{ to: '/edities', label: 'Edities' }]} current={`Wijzigingen in editie ${report.number}`} />
      <h1>Wat is er veranderd in editie {report.number}</h1>
      <p>
        Editie {report.number} is vastgelegd op {formatDate(report.createdAt)}.{' '}
        <a href={`/edities/${report.number}.pdf`}>De pdf van editie {report.number}</a>
      </p>
      <p>
        Het colofon van editie {report.number} noemt: {report.credits || 'geen bijdragers'}.
      </p>
      {report.previous ? (
        <>
          <p>
            Hieronder ziet u wat er sinds editie {report.previous.number} ({formatDate(report.previous.createdAt)}) is veranderd: per paragraaf de
            tekst die <strong>erbij kwam</strong> (onderstreept) en die <strong>verdween</strong> (doorgestreept).{' '}
            <Link to="/wijzigingen">Wat er sindsdien is veranderd</Link>
          </p>
          <ChangeReport sections={report.sections} accepted={report.accepted} credits={report.changeCredits} creditsLabel="Aan deze wijzigingen werkten mee" />
        </>
      ) : (
        <>
          <p>Dit is de eerste editie: er is geen eerdere om mee te vergelijken. <Link to="/wijzigingen">Wat er sindsdien is veranderd</Link></p>
          <ChangeReport sections={null} accepted={report.accepted} credits={report.changeCredits} creditsLabel={`Aan editie ${report.number} werkten mee`} />
        </>
      )}
    </div>
  )
}
