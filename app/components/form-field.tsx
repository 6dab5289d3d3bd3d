import { useId, type InputHTMLAttributes, type ReactNode } from 'react'
import { fieldId } from '#app/utils/forms'

type ControlProps = { id: string; 'aria-invalid'?: true; 'aria-describedby'?: string }

/** A field's error in Dutch, right where it is; announced as an error to screen readers. */
export function FieldError({ id, error }: { id?: string; error?: string }) {
  if (!error) return null
  return (
    <p id={id} className="field__error">
      <span className="visually-hidden">Fout: </span>
      {error}
    </p>
  )
}

/**
 * Label, hint and error around any form control (input, select, textarea),
 * with the ids wired up so the hint and error are read with the control.
 * Given the field's `name`, the control's id is the one the error summary links to.
 */
export function FieldFrame({ label, name, hint, error, children }: { label: string; name?: string; hint?: string; error?: string; children: (control: ControlProps) => ReactNode }) {
  const generated = useId()
  const id = name ? fieldId(name) : generated
  const hintId = hint ? `${id}-hint` : undefined
  const errorId = error ? `${id}-error` : undefined
  return (
    <div className={`field${error ? ' field--invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p id={hintId} className="field__hint">
          {hint}
        </p>
      ) : null}
      <FieldError id={errorId} error={error} />
      {children({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': [hintId, errorId].filter(Boolean).join(' ') || undefined })}
    </div>
  )
}

type FieldProps = InputHTMLAttributes<HTMLInputElement> & { label: string; name: string; error?: string; hint?: string }

/** A labelled input whose error sits right under it and is announced with it. */
export function Field({ label, name, error, hint, ...input }: FieldProps) {
  return (
    <FieldFrame label={label} name={name} hint={hint} error={error}>
      {(control) => <input name={name} {...control} {...input} />}
    </FieldFrame>
  )
}
