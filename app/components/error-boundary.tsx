import { Link, isRouteErrorResponse } from '@remix-run/react'

const messages: Record<number, { title: string; text: string }> = {
  400: { title: 'Dit verzoek klopt niet', text: 'De pagina kreeg gegevens die ze niet begrijpt.' },
  403: { title: 'Geen toegang', text: 'U hebt geen toegang tot deze pagina.' },
  404: {
    title: 'Pagina niet gevonden',
    text: 'Deze pagina bestaat niet (meer). Misschien is de link verouderd of is het adres verkeerd getypt.',
  },
}

/** The one error page of the site: Dutch, with a way back, for every status. */
export function GeneralErrorBoundary({ error }: { error: unknown }) {
  const status = isRouteErrorResponse(error) ? error.status : 500
  const message = messages[status] ?? {
    title: 'Er ging iets mis',
    text: 'Door een fout aan onze kant kon deze pagina niet worden getoond. Probeer het later nog eens.',
  }
  return (
    <div className="page page--narrow">
      <h1>{message.title}</h1>
      <p>{message.text}</p>
      <p className="muted">Foutcode {status}</p>
      <ul>
        <li>
          <Link to="/">Naar de inhoudsopgave van de handreiking</Link>
        </li>
        <li>
          <Link to="/zoeken">Zoeken in de handreiking</Link>
        </li>
      </ul>
    </div>
  )
}
