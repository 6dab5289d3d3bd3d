import { getSchema } from '@tiptap/core'
import { handbookExtensions } from '#app/editor/schema'
import { schemaRules } from './schema-rules'

/** The field of the Yjs doc that tiptap's Collaboration extension edits. */
export const documentField = 'default'
/** The one handbook schema (app/editor/schema.ts) as ProseMirror schema and as update-checking rules. */
export const handbookSchema = getSchema(handbookExtensions)
export const handbookRules = schemaRules(handbookSchema, documentField)
