declare module 'hypher' {
  export default class Hypher {
    constructor(language: unknown)
    hyphenateText(text: string, minLength?: number): string
  }
}
declare module 'hyphenation.nl' {
  const patterns: unknown
  export default patterns
}
