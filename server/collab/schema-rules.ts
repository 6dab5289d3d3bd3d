import type { MarkType, NodeType, Schema } from '@tiptap/pm/model'

/** What one element (a ProseMirror node type) may hold, as the Yjs binding of tiptap stores it. */
export type ElementRule = {
  type: NodeType
  /** Node types that may appear anywhere in its content expression. */
  children: Set<string>
  /** Whether it holds inline content (then Y.XmlText children carry the text). */
  text: boolean
  attributes: Set<string>
}

/**
 * The shared tiptap schema turned into lookups for checking Yjs updates cheaply:
 * which element names exist, what they may contain, which attributes and marks they carry.
 * Built once per schema; the guard and the JSON conversion both use it.
 */
export type SchemaRules = {
  schema: Schema
  /** The Y.XmlFragment tiptap's Collaboration extension edits; no other root type is accepted. */
  rootName: string
  root: ElementRule
  elements: Map<string, ElementRule>
  marks: Map<string, { type: MarkType; attributes: Set<string> }>
}

export function schemaRules(schema: Schema, rootName: string): SchemaRules {
  const elements = new Map<string, ElementRule>()
  for (const [name, type] of Object.entries(schema.nodes)) {
    if (type.isText) continue
    elements.set(name, {
      type,
      children: reachableTypes(type),
      text: type.inlineContent,
      attributes: new Set(Object.keys(type.spec.attrs ?? {})),
    })
  }
  const marks = new Map(Object.entries(schema.marks).map(([name, type]) => [name, { type, attributes: new Set(Object.keys(type.spec.attrs ?? {})) }]))
  const root = elements.get(schema.topNodeType.name)!
  elements.delete(schema.topNodeType.name)
  return { schema, rootName, root, elements, marks }
}

/** The y-prosemirror binding stores overlapping marks as `<name>--<hash>`. */
export function markNameOf(formatKey: string) {
  return /^(.*)--[a-zA-Z0-9+/=]{8}$/.exec(formatKey)?.[1] ?? formatKey
}

function reachableTypes(type: NodeType) {
  const names = new Set<string>()
  const seen = new Set<unknown>()
  const visit = (match: NodeType['contentMatch']) => {
    if (seen.has(match)) return
    seen.add(match)
    for (let index = 0; index < match.edgeCount; index++) {
      const edge = match.edge(index)
      names.add(edge.type.name)
      visit(edge.next)
    }
  }
  visit(type.contentMatch)
  return names
}
