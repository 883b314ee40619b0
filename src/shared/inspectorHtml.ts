/**
 * The HTML page of the Flow Inspector webview. It imports nothing from `vscode`, so tests can serve
 * the same page from a local HTTP server.
 */

export interface InspectorHtmlOptions {
  /** `webview.cspSource`: the origin that scripts, styles, images and fonts may load from. */
  cspSource: string;
  /** A fresh random value per render; it allows the bundle and the toolkit's own style element. */
  nonce: string;
  /** URI of the webview bundle (`dist/webview.js`). */
  scriptUri: string;
  /** URI of `media/inspector.css`. */
  styleUri: string;
  /** URI of a codicon style sheet, when the host ships one. */
  codiconUri?: string;
}

/** base64 and base64url characters; 16 of them carry at least 96 random bits. */
const NONCE_PATTERN = /^[A-Za-z0-9+/_-]{16,}={0,2}$/;

function escapeAttribute(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/"/g, '&quot;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/**
 * Builds the Content-Security-Policy of the page. Styles need the nonce because FAST Foundation
 * 2.x adds one `<style>` element to test `:focus-visible` support, and it copies the nonce from
 * the `csp-nonce` meta element. The toolkit's components style themselves through adopted style
 * sheets, which the policy does not restrict.
 */
export function inspectorContentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

/**
 * Renders the inspector page: a strict CSP, the style sheets, an empty root element that the
 * bundle fills, and the bundle itself.
 *
 * @throws Error when the nonce is not at least 16 base64 or base64url characters, because a short
 *   or guessable nonce would let injected markup run scripts.
 */
export function renderInspectorHtml(options: InspectorHtmlOptions): string {
  const { cspSource, nonce, scriptUri, styleUri, codiconUri } = options;
  if (!NONCE_PATTERN.test(nonce)) {
    throw new Error(
      'The inspector CSP nonce must be at least 16 base64 or base64url characters; use crypto.randomBytes(16) or more.',
    );
  }
  const policy = inspectorContentSecurityPolicy(cspSource, nonce);
  const codiconLink = codiconUri
    ? `\n    <link rel="stylesheet" href="${escapeAttribute(codiconUri)}" />`
    : '';
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <meta http-equiv="Content-Security-Policy" content="${escapeAttribute(policy)}" />
    <meta property="csp-nonce" content="${escapeAttribute(nonce)}" />
    <meta name="viewport" content="width=device-width, initial-scale=1.0" />
    <title>Flow Inspector</title>${codiconLink}
    <link rel="stylesheet" href="${escapeAttribute(styleUri)}" />
  </head>
  <body>
    <div id="inspector-root" class="inspector" aria-busy="true">
      <p class="loading">Loading the Flow Inspector…</p>
    </div>
    <script nonce="${escapeAttribute(nonce)}" src="${escapeAttribute(scriptUri)}"></script>
  </body>
</html>
`;
}
