import { InvalidRequestError } from './errors.js';

/**
 * Throws `InvalidRequestError` unless `texts` is a non-empty array of non-blank strings: the input
 * contract of `Embedder.embed`, shared by every embedder. `where` names the caller in messages
 * (e.g. `OpenAIEmbedder.embed`).
 */
export function assertEmbedderInput(texts: unknown, where: string): asserts texts is string[] {
  if (!Array.isArray(texts)) {
    throw new InvalidRequestError(`${where}: pass an array of strings.`);
  }
  if (texts.length === 0) {
    throw new InvalidRequestError(`${where}: the list of texts is empty; pass at least one text.`);
  }
  texts.forEach((text: unknown, i) => {
    if (typeof text !== 'string') {
      throw new InvalidRequestError(`${where}: text ${i} is ${typeof text}, not a string.`);
    }
    if (text.trim() === '') {
      throw new InvalidRequestError(
        `${where}: text ${i} is empty or blank; blank texts have no meaning to embed.`,
      );
    }
  });
}
