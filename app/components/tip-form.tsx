import { Form } from '@remix-run/react'
import { FieldError, FormError } from '#app/components/form-field'
import { ConsentField, SpamGuardFields, SubmitterFields, TextArea } from '#app/components/submission-fields'

/** A tip or lesson learned for one section; works without JavaScript. */
export function TipForm({ started, errors, values, sectionSlug }: { started: string; errors: Record<string, string | undefined>; values: Record<string, string>; sectionSlug: string }) {
  return (
    <Form method="post" action={`/bijdragen/nieuw?sectie=${sectionSlug}`} className="form" noValidate>
      <FormError message={errors.form} />
      <SpamGuardFields started={started} />
      <fieldset className="fieldset">
        <legend>Wat wilt u delen?</legend>
        <FieldError error={errors.soort} />
        <div className="field--checkbox">
          <input type="radio" id={`soort-tip-${sectionSlug}`} name="soort" value="tip" defaultChecked={values.soort !== 'les'} />
          <label htmlFor={`soort-tip-${sectionSlug}`}>Een tip: wat werkt goed?</label>
        </div>
        <div className="field--checkbox">
          <input type="radio" id={`soort-les-${sectionSlug}`} name="soort" value="les" defaultChecked={values.soort === 'les'} />
          <label htmlFor={`soort-les-${sectionSlug}`}>Een lesson learned: wat leerde u, ook van wat misging?</label>
        </div>
      </fieldset>
      <TextArea label="Uw tip of les" name="tekst" required maxLength={2000} defaultValue={values.tekst} error={errors.tekst} />
      <SubmitterFields errors={errors} values={values} />
      <ConsentField error={errors.toestemming} defaultChecked={values.toestemming === 'ja'} />
      <button type="submit">Versturen</button>
    </Form>
  )
}
