import { useId } from 'react'
import { contributionLicence } from '#app/site'
import type { FieldErrors } from '#app/utils/forms'
import { honeypotField, startedField } from '#app/utils/submission-schema'

/** Hidden anti-spam fields: a honeypot people never see, and when the form was shown. */
export function SpamGuardFields({ started }: { started: string }) {
  return (
    <>
      <div className="honeypot" aria-hidden="true">
        <label htmlFor={`${honeypotField}-veld`}>Laat dit veld leeg</label>
        <input id={`${honeypotField}-veld`} name={honeypotField} tabIndex={-1} autoComplete="off" />
      </div>
      <input type="hidden" name={startedField} value={started} />
    </>
  )
}

export function TextArea({ label, name, error, hint, defaultValue, rows = 5, required, maxLength }: { label: string; name: string; error?: string; hint?: string; defaultValue?: string; rows?: number; required?: boolean; maxLength?: number }) {
  const id = useId()
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined
  return (
    <div className={`field${error ? ' field--invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p id={`${id}-hint`} className="field__hint">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={`${id}-error`} className="field__error">
          <span className="visually-hidden">Fout: </span>
          {error}
        </p>
      ) : null}
      <textarea id={id} name={name} rows={rows} required={required} maxLength={maxLength} defaultValue={defaultValue} aria-invalid={error ? true : undefined} aria-describedby={describedBy} />
    </div>
  )
}

export function Checkbox({ label, name, error, defaultChecked, value = 'ja', children }: { label: string; name: string; error?: string; defaultChecked?: boolean; value?: string; children?: React.ReactNode }) {
  const id = useId()
  return (
    <div className={`field field--checkbox${error ? ' field--invalid' : ''}`}>
      {error ? (
        <p id={`${id}-error`} className="field__error">
          <span className="visually-hidden">Fout: </span>
          {error}
        </p>
      ) : null}
      <input id={id} type="checkbox" name={name} value={value} defaultChecked={defaultChecked} aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-error` : undefined} />
      <label htmlFor={id}>
        {label}
        {children}
      </label>
    </div>
  )
}

/** Who sent it: optional, shown only with consent; the address is never shown. */
export function SubmitterFields({ errors, values }: { errors: FieldErrors; values: Record<string, string> }) {
  const nameId = useId()
  const organisationId = useId()
  const emailId = useId()
  return (
    <fieldset className="fieldset">
      <legend>Over u (niet verplicht)</legend>
      <div className="field">
        <label htmlFor={nameId}>Naam</label>
        <input id={nameId} name="naam" autoComplete="name" maxLength={100} defaultValue={values.naam} />
      </div>
      <div className="field">
        <label htmlFor={organisationId}>Organisatie</label>
        <input id={organisationId} name="organisatie" autoComplete="organization" maxLength={150} defaultValue={values.organisatie} />
      </div>
      <Checkbox label="Toon mijn naam en organisatie bij mijn bijdrage" name="toon_naam" defaultChecked={values.toon_naam === 'ja'} />
      <div className={`field${errors.email ? ' field--invalid' : ''}`}>
        <label htmlFor={emailId}>E-mailadres</label>
        <p id={`${emailId}-hint`} className="field__hint">
          Alleen om u te laten weten of uw bijdrage geplaatst is, en om haar later te kunnen laten verwijderen. We tonen het nooit.
        </p>
        {errors.email ? (
          <p id={`${emailId}-error`} className="field__error">
            {errors.email}
          </p>
        ) : null}
        <input id={emailId} name="email" type="email" autoComplete="email" maxLength={254} defaultValue={values.email} aria-invalid={errors.email ? true : undefined} aria-describedby={`${emailId}-hint${errors.email ? ` ${emailId}-error` : ''}`} />
      </div>
    </fieldset>
  )
}

export function ConsentField({ error, defaultChecked }: { error?: string; defaultChecked?: boolean }) {
  return (
    <Checkbox label="Ik geef toestemming om mijn bijdrage te publiceren onder de licentie " name="toestemming" error={error} defaultChecked={defaultChecked}>
      <a href={contributionLicence.url} rel="license noopener">
        {contributionLicence.name}
      </a>
      .
    </Checkbox>
  )
}
