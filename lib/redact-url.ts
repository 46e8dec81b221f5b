/**
 * `scheme://userinfo@`. The userinfo runs to the last `@` before the authority ends: at `/`, `\`, `?`, `#`,
 * whitespace or a quote, so an `@` in a path, a query or the next word is never taken for one. A scheme starts only
 * where a run of scheme characters does (the lookbehind), which keeps a long word without `://` linear to scan.
 */
const userinfo = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*:\/\/)[^\s/\\?#"'<>`]+@/gi;

/**
 * Hides the user name and password of every URL in `text`: `scheme://user:pass@` becomes `scheme://***@`.
 * Applied to whatever rxdgt prints or stores that may quote an endpoint (error messages, issue messages).
 *
 * ## Example
 * ```ts
 * redactUrl('cannot reach http://alice:s3cret@127.0.0.1:9/v1'); // 'cannot reach http://***@127.0.0.1:9/v1'
 * redactUrl('https://host/path@v2?to=a@b');                      // unchanged: no userinfo
 * ```
 */
export function redactUrl(text: string): string {
  return text.replace(userinfo, '$1***@');
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
