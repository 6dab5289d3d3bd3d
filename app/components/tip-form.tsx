import { Form } from '@remix-run/react'
import { ErrorSummary } from '#app/components/error-summary'
import { FieldError, FieldFrame } from '#app/components/form-field'
import { SubmitButton } from '#app/components/submit-button'
import { ConsentField, SpamGuardFields, SubmitterFields, TextArea } from '#app/components/submission-fields'
import { fieldId, type FieldErrors } from '#app/utils/forms'

export type SectionChoice = { slug: string; label: string }

/**
 * A tip or lesson learned, for one section or — without `sectionSlug` — with a
 * choice of section, "general" included; works without JavaScript.
 */
export function TipForm({ started, errors, values, sectionSlug, sections = [] }: { started: string; errors: FieldErrors; values: Record<string, string>; sectionSlug?: string; sections?: SectionChoice[] }) {
  return (
    <Form method="post" action={sectionSlug ? `/bijdragen/nieuw?sectie=${sectionSlug}` : '/bijdragen/nieuw'} className="form" noValidate>
      <ErrorSummary errors={errors} />
      <SpamGuardFields started={started} />
      {sectionSlug ? null : (
        <FieldFrame label="Bij welke paragraaf hoort uw bijdrage?" name="sectie" error={errors.sectie} hint="Past uw ervaring niet bij één paragraaf? Kies dan “Algemeen”.">
          {(control) => (
            <select {...control} name="sectie" defaultValue={values.sectie ?? ''}>
              <option value="">Algemeen (bij de hele handreiking)</option>
              {sections.map((section) => (
                <option key={section.slug} value={section.slug}>
                  {section.label}
                </option>
              ))}
            </select>
          )}
        </FieldFrame>
      )}
      <fieldset className="fieldset" aria-describedby={errors.soort ? `${fieldId('soort')}-error` : undefined}>
        <legend>Wat wilt u delen?</legend>
        <FieldError id={`${fieldId('soort')}-error`} error={errors.soort} />
        <div className="field--checkbox">
          <input type="radio" id={fieldId('soort')} name="soort" value="tip" defaultChecked={values.soort !== 'les'} />
          <label htmlFor={fieldId('soort')}>Een tip: wat werkt goed?</label>
        </div>
        <div className="field--checkbox">
          <input type="radio" id={`${fieldId('soort')}-les`} name="soort" value="les" defaultChecked={values.soort === 'les'} />
          <label htmlFor={`${fieldId('soort')}-les`}>Een lesson learned: wat leerde u, ook van wat misging?</label>
        </div>
      </fieldset>
      <TextArea label="Uw tip of les" name="tekst" required maxLength={2000} defaultValue={values.tekst} error={errors.tekst} />
      <SubmitterFields errors={errors} values={values} />
      <ConsentField error={errors.toestemming} defaultChecked={values.toestemming === 'ja'} />
      <SubmitButton>Versturen</SubmitButton>
    </Form>
  )
}
