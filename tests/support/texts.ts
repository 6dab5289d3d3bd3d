const words = ['samenwerking', 'vrijwilligers', 'gemeente', 'netwerk', 'zorg', 'welzijn', 'lokaal', 'organisatie', 'mantelzorg', 'buurt', 'afspraak', 'overleg']

/** Paragraphs of Dutch-looking text, different for every seed, so texts of two seeds differ almost everywhere. */
export function dutchParagraphs(totalCharacters: number, seed: number) {
  const result: string[] = []
  let length = 0
  let state = seed
  while (length < totalCharacters) {
    const sentence: string[] = []
    for (let index = 0; index < 150; index++) {
      state = (state * 1103515245 + 12345) % 2147483648
      sentence.push(words[state % words.length])
    }
    const paragraph = `Alinea ${seed}-${result.length}: ${sentence.join(' ')}.`
    result.push(paragraph)
    length += paragraph.length + 2
  }
  return result
}
