import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useMemo } from 'react'
import { z } from 'zod'
import { ErrorSummary } from '#app/components/error-summary'
import { FieldFrame } from '#app/components/form-field'
import { SubmitButton } from '#app/components/submit-button'
import { ConsentField, SpamGuardFields, SubmitterFields, TextArea } from '#app/components/submission-fields'
import { TipForm } from '#app/components/tip-form'
import { sectionLabel, site } from '#app/site'
import { fieldId, formFailed, formFailure, formPageTitle, parseForm, rejected, type FieldErrors } from '#app/utils/forms'
import { longText, submitterShape } from '#app/utils/submission-schema'
import { submitContribution, type NewContribution } from '#server/contributions/contributions'
import { formStartedToken, guardSubmission, refusalMessage, tokenForRetry, type FormClaim } from '#server/contributions/form-guard'
import { paragraphsOf } from '#server/contributions/suggestions'
import { flattenTableOfContents, getPublishedDocument, getTableOfContents } from '#server/handbook/sections'

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: formPageTitle(`Bijdragen — ${site.title}`, data?.failed || Boolean(data?.pickerError)) },
  { name: 'robots', content: 'noindex' },
]

const kinds = { tip: 'tip', les: 'lesson', suggestie: 'suggestion' } as const

async function sectionChoices(db: Parameters<typeof getTableOfContents>[0]) {
  return flattenTableOfContents(await getTableOfContents(db)).map((entry) => ({ slug: entry.slug, label: sectionLabel(entry) }))
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const url = new URL(request.url)
  const slug = url.searchParams.get('sectie') ?? ''
  const kind = url.searchParams.get('soort') === 'suggestie' ? 'suggestie' : 'tip'
  const common = { kind, started: await formStartedToken(context.db), sent: url.searchParams.get('verstuurd') === '1', failed: formFailed(context) }
  // Without a section: a tip may be general or for a section of choice; a suggestion needs a section first.
  if (!slug) return { ...common, section: null, sections: await sectionChoices(context.db), paragraphs: [], chosen: null, pickerError: '' }
  const section = await getPublishedDocument(context.db, slug)
  if (!section) throw new Response('Niet gevonden', { status: 404 })
  const paragraphs = paragraphsOf(section.document)
  const chosen = url.searchParams.has('alinea') ? Number(url.searchParams.get('alinea')) : NaN
  const validChoice = Number.isInteger(chosen) && chosen >= 0 && chosen < paragraphs.length
  return {
    ...common,
    section: { slug: section.slug, number: section.number, title: section.title },
    sections: [],
    paragraphs,
    chosen: validChoice ? chosen : null,
    pickerError: url.searchParams.has('gekozen') && !validChoice ? 'Kies de alinea die u wilt veranderen.' : '',
  }
}

const tipSchema = z.object({ soort: z.enum(['tip', 'les'], { errorMap: () => ({ message: 'Kies: tip of lesson learned.' }) }), tekst: longText('uw tip of les', 10, 2000), ...submitterShape })
const suggestionSchema = z.object({
  alinea: z.coerce.number().int().min(0),
  voorstel: longText('de nieuwe tekst', 2, 5000),
  reden: longText('de reden', 5, 1000),
  ...submitterShape,
})

export async function action({ request, context }: ActionFunctionArgs) {
  const url = new URL(request.url)
  const formData = await request.formData()
  // The section comes from the address, or — for a tip sent from the general form — from its picker ('' = general).
  const slug = url.searchParams.get('sectie') ?? String(formData.get('sectie') ?? '')
  const section = slug ? await getPublishedDocument(context.db, slug) : null
  const submitted = Object.fromEntries([...formData].map(([key, value]) => [key, String(value)]))
  if (slug && !section) {
    if (url.searchParams.has('sectie')) throw new Response('Niet gevonden', { status: 404 })
    return rejected(formFailure({ sectie: 'Kies een paragraaf uit de lijst, of “Algemeen”.' }, submitted), context)
  }
  const done = `/bijdragen/nieuw?${section ? `sectie=${section.slug}&` : ''}verstuurd=1`
  const verdict = await guardSubmission(context.db, formData, context.clientKey)
  if (verdict.kind === 'bot') throw redirect(done)
  if (verdict.kind === 'repeat') throw redirect(verdict.outcome)
  // Every error at once: the fields', and the form's own (limit reached, expired, sent too fast).
  const refuse = async (errors: FieldErrors) =>
    rejected({ ...formFailure({ form: refusalMessage(verdict, Object.keys(errors).length > 0), ...errors }, submitted), started: await tokenForRetry(context.db, formData) }, context)

  // Sends the visitor where this submission, or the first one with the same form token, led.
  const store = async (input: NewContribution, claim: FormClaim) => {
    const result = await submitContribution(context.db, input, claim, done, context.publicUrl)
    if (!result) throw new Response('Niet gevonden', { status: 404 })
    throw redirect(result.outcome)
  }

  const common = (data: z.infer<z.ZodObject<typeof submitterShape>>) => ({
    sectionSlug: section?.slug ?? null,
    name: data.naam,
    organisation: data.organisatie,
    showName: data.toon_naam === 'ja',
    email: data.email,
    clientKey: context.clientKey,
    userId: context.authentication?.user.id,
  })
  if (formData.get('soort') === 'suggestie') {
    if (!section) throw new Response('Niet gevonden', { status: 404 })
    const form = parseForm(suggestionSchema, formData)
    if (!form.ok) return refuse(form.errors)
    const originalText = paragraphsOf(section.document)[form.data.alinea]
    if (!originalText) return refuse({ form: 'Kies opnieuw de alinea die u wilt veranderen.' })
    if (originalText.trim() === form.data.voorstel.trim()) return refuse({ voorstel: 'De nieuwe tekst is gelijk aan de huidige. Pas de tekst aan.' })
    if (verdict.kind !== 'accepted') return refuse({})
    return store({ ...common(form.data), kind: 'suggestion', body: form.data.voorstel, originalText, reason: form.data.reden }, verdict.claim)
  }
  const form = parseForm(tipSchema, formData)
  if (!form.ok) return refuse(form.errors)
  if (verdict.kind !== 'accepted') return refuse({})
  return store({ ...common(form.data), kind: kinds[form.data.soort], body: form.data.tekst }, verdict.claim)
}

export default function ContributionPage() {
  const { section, sections, kind, paragraphs, chosen, started: shownToken, sent, pickerError } = useLoaderData<typeof loader>()
  const failure = useActionData<typeof action>()
  // After a refusal the form carries the token the server handed back (a used one is replaced).
  const started: string = failure && 'started' in failure && typeof failure.started === 'string' ? failure.started : shownToken
  const errors = failure?.errors ?? {}
  const values = failure?.values ?? {}
  const pickerErrors = useMemo(() => (pickerError ? { alinea: pickerError } : undefined), [pickerError])
  const back = section ? <Link to={`/handreiking/${section.slug}`}>Terug naar {sectionLabel(section)}</Link> : <Link to="/">Terug naar de handreiking</Link>
  if (sent) {
    return (
      <div className="page page--narrow">
        <h1>Dank u wel!</h1>
        <p role="status" className="notice">
          Uw bijdrage is ontvangen en wacht op beoordeling door de redactie. Na goedkeuring verschijnt ze op de website. Liet u uw
          e-mailadres achter, dan krijgt u bericht.
        </p>
        <p>{back}</p>
      </div>
    )
  }
  if (!section) {
    return (
      <div className="page page--narrow">
        <p>{back}</p>
        {kind === 'suggestie' ? (
          <>
            <h1>Stel een tekstwijziging voor</h1>
            <p>Kies eerst de paragraaf; daarna kiest u de alinea die u wilt veranderen.</p>
            <Form method="get" className="form" noValidate>
              <input type="hidden" name="soort" value="suggestie" />
              <FieldFrame label="Welke paragraaf wilt u veranderen?" name="sectie">
                {(control) => (
                  <select {...control} name="sectie">
                    {sections.map((choice) => (
                      <option key={choice.slug} value={choice.slug}>
                        {choice.label}
                      </option>
                    ))}
                  </select>
                )}
              </FieldFrame>
              <button type="submit">Verder</button>
            </Form>
          </>
        ) : (
          <>
            <h1>Deel een tip of lesson learned</h1>
            <p>
              Over de hele handreiking of bij een paragraaf naar keuze. Uw bijdrage verschijnt na goedkeuring door de redactie. Wilt u een
              tekst veranderen? <Link to="/bijdragen/nieuw?soort=suggestie">Stel een tekstwijziging voor</Link>.
            </p>
            <TipForm started={started} errors={errors} values={values} sections={sections} />
          </>
        )}
      </div>
    )
  }
  return (
    <div className="page page--narrow">
      <p>{back}</p>
      {kind === 'suggestie' ? (
        <>
          <h1>Stel een tekstwijziging voor</h1>
          <p>Bij {sectionLabel(section)}. Een redacteur beoordeelt uw voorstel; bij goedkeuring komt het in de volgende versie van de tekst.</p>
          {chosen === null ? (
            <Form method="get" className="form" noValidate>
              <ErrorSummary errors={pickerErrors} />
              <input type="hidden" name="sectie" value={section.slug} />
              <input type="hidden" name="soort" value="suggestie" />
              <input type="hidden" name="gekozen" value="1" />
              <fieldset className={`fieldset paragraph-picker${pickerError ? ' field--invalid' : ''}`}>
                <legend>Welke alinea wilt u veranderen?</legend>
                {pickerError ? (
                  <p className="field__error">
                    <span className="visually-hidden">Fout: </span>
                    {pickerError}
                  </p>
                ) : null}
                {paragraphs.map((paragraph, index) => (
                  <div key={index} className="paragraph-picker__option">
                    <input type="radio" id={index === 0 ? fieldId('alinea') : `${fieldId('alinea')}-${index}`} name="alinea" value={index} />
                    <label htmlFor={index === 0 ? fieldId('alinea') : `${fieldId('alinea')}-${index}`}>{paragraph}</label>
                  </div>
                ))}
              </fieldset>
              <button type="submit">Deze alinea aanpassen</button>
            </Form>
          ) : (
            <Form method="post" className="form" noValidate>
              <ErrorSummary errors={errors} />
              <input type="hidden" name="soort" value="suggestie" />
              <input type="hidden" name="alinea" value={chosen} />
              <SpamGuardFields started={started} />
              <figure className="quote">
                <figcaption>Huidige tekst</figcaption>
                <blockquote>
                  <p>{paragraphs[chosen]}</p>
                </blockquote>
              </figure>
              <p>
                <Link to={`/bijdragen/nieuw?sectie=${section.slug}&soort=suggestie`}>Andere alinea kiezen</Link>
              </p>
              <TextArea label="Uw nieuwe tekst" name="voorstel" rows={8} required maxLength={5000} defaultValue={values.voorstel ?? paragraphs[chosen]} error={errors.voorstel} />
              <TextArea label="Waarom deze wijziging?" name="reden" rows={3} required maxLength={1000} defaultValue={values.reden} error={errors.reden} hint="Bijvoorbeeld: dit werkt in onze gemeente anders, of: deze regel is veranderd." />
              <SubmitterFields errors={errors} values={values} />
              <ConsentField error={errors.toestemming} defaultChecked={values.toestemming === 'ja'} />
              <SubmitButton>Voorstel versturen</SubmitButton>
            </Form>
          )}
        </>
      ) : (
        <>
          <h1>Deel een tip of lesson learned</h1>
          <p>Bij {sectionLabel(section)}. Uw bijdrage verschijnt na goedkeuring door de redactie onder deze paragraaf.</p>
          <TipForm started={started} errors={errors} values={values} sectionSlug={section.slug} />
        </>
      )}
    </div>
  )
}
