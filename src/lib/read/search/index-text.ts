/**
 * Text as the index tokenizes it. Chinese, Japanese and Korean characters become one token each, so that a
 * word inside a run of them is found as a phrase of its characters.
 */

/** Han, Hiragana, Katakana, Hangul (and their compatibility blocks): written without spaces between words. */
const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\uff66-\uff9f]/g;

/** Text as the index tokenizes it: each CJK character stands alone (see the module comment). */
export function indexText(text: string): string {
  return text.replace(CJK, ' $& ');
}
