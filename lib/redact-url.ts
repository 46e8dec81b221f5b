import { isCredentialName } from './credential-name.ts';

/**
 * `scheme://userinfo@`. The userinfo runs to the last `@` before the authority ends: at `/`, `\`, `?`, `#`,
 * whitespace or a quote, so an `@` in a path, a query or the next word is never taken for one. A scheme starts only
 * where a run of scheme characters does (the lookbehind), which keeps a long word without `://` linear to scan.
 */
const userinfo = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*:\/\/)[^\s/\\?#"'<>`]+@/gi;

/**
 * `?name=`, `&name=`, `#name=` (a fragment such as OAuth's `#access_token=`) or `;name=` (which also catches the
 * name after an HTML `&amp;`). A name cannot hold any of the characters that may start one, so each run is scanned
 * from one start only: linear. The value is not part of the match (see `queryValue`), so a parameter nested in a
 * value that is not a credential (`?next=/cb?token=x`) is still found.
 */
const queryName = /[?&#;]([^\s=?&#;"'<>`]+)=/g;

/**
 * A query value: up to the next parameter, fragment, whitespace or quote (a `?` or `;` in it is kept: over-hiding
 * beats a leaked tail), less the sentence punctuation that may follow a quoted URL (`trailingPunctuation`).
 */
const queryValue = /[^\s&#"'<>`]*/y;

/** Characters that, at the end of a value, are taken for the prose after the URL (`…?key=G: 403`, `(…?key=G).`). */
const trailingPunctuation = '.,:;!?)]}';

/**
 * Hides the credentials of every URL in `text`: `scheme://user:pass@` becomes `scheme://***@`, and the value of
 * each query (or fragment) parameter whose name is a credential by `isCredentialName` becomes `***`, its name kept.
 * Applied to whatever rxdgt prints or stores that may quote an endpoint (error messages, issue messages, task cards).
 * Linear in the length of `text`.
 *
 * ## Example
 * ```ts
 * redactUrl('cannot reach http://alice:s3cret@127.0.0.1:9/v1'); // 'cannot reach http://***@127.0.0.1:9/v1'
 * redactUrl('https://h/v1?api-key=G&page=2');                   // 'https://h/v1?api-key=***&page=2'
 * redactUrl('https://acct.blob/c?se=2030&sig=AbC%3D');          // 'https://acct.blob/c?se=2030&sig=***'
 * redactUrl('https://host/path@v2?to=a@b&q=token%20count');     // unchanged: no userinfo, no credential parameter
 * ```
 */
export function redactUrl(text: string): string {
  // Most texts (an issue message per rejected record) quote no URL: one scan says so, and nothing is copied.
  if (!mayQuoteUrl.test(text)) return text;
  return redactQueryValues(text.replace(userinfo, '$1***@'));
}

/** Whether a text has what `userinfo` or `queryName` need to match: a `://`, or a parameter's start and `=`. */
const mayQuoteUrl = /:\/\/|[?&#;][^\s=?&#;"'<>`]+=/;

function redactQueryValues(text: string): string {
  const parts: string[] = [];
  let copied = 0;
  queryName.lastIndex = 0;
  for (let match = queryName.exec(text); match !== null; match = queryName.exec(text)) {
    if (!isCredentialName(decodeName(match[1] ?? ''))) continue;
    const start = queryName.lastIndex;
    queryValue.lastIndex = start;
    let end = start + (queryValue.exec(text)?.[0].length ?? 0);
    while (end > start && trailingPunctuation.includes(text.charAt(end - 1))) end -= 1;
    if (end === start) continue;
    parts.push(text.slice(copied, start), '***');
    copied = end;
    queryName.lastIndex = end;
  }
  parts.push(text.slice(copied));
  return parts.join('');
}

/** A percent-encoded parameter name decoded (`api%2Dkey`), or as written when it is not valid percent-encoding. */
function decodeName(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

/**
 * Whether a URL, or a host written without a scheme (`alice:pw@gpu-box:11434`, as OLLAMA_HOST may be), carries a
 * userinfo part: an `@` before the authority ends.
 *
 * ## Example
 * ```ts
 * hasUrlUserinfo('http://alice:s3cret@127.0.0.1:9/v1'); // true
 * hasUrlUserinfo('http://127.0.0.1:9/v1/models@2');     // false
 * ```
 */
export function hasUrlUserinfo(url: string): boolean {
  const authority = url.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split(/[/\\?#]/, 1)[0] ?? '';
  return authority.includes('@');
}
