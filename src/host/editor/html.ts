/**
 * The webview's HTML shell: strict CSP, one nonce'd script, styles and fonts from the extension's
 * own folders only. No vscode import, so the webview tests serve the very same shell.
 */
import { randomBytes } from 'node:crypto';

export interface ShellOptions {
  /** `webview.cspSource`. */
  cspSource: string;
  scriptUri: string;
  styleUris: string[];
  nonce?: string;
  title?: string;
}

/** 128 random bits, base64url: unguessable, and safe inside an attribute. */
export function makeNonce(): string {
  return randomBytes(16).toString('base64url');
}

export function renderShell(o: ShellOptions): string {
  const nonce = o.nonce ?? makeNonce();
  // style-src needs no 'unsafe-inline': all CSS is in files, and @vscode-elements uses constructed
  // stylesheets (adoptedStyleSheets), which CSP does not govern. Element.style writes from script
  // (row positions, bar widths) are CSSOM, also not governed by style-src.
  // base-uri and form-action do not fall back to default-src: without them an injected <base> or
  // <form> in hostile trace text could still redirect relative URLs or submit data somewhere.
  const csp = [
    "default-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${o.cspSource}`,
    `font-src ${o.cspSource}`,
    `img-src ${o.cspSource}`,
  ].join('; ');
  const links = o.styleUris.map((u) => `<link rel="stylesheet" href="${attr(u)}">`).join('\n    ');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    ${links}
    <title>${attr(o.title ?? 'Agent Trace Debugger')}</title>
  </head>
  <body>
    <div id="app" class="app" aria-busy="true"></div>
    <script nonce="${nonce}" src="${attr(o.scriptUri)}"></script>
  </body>
</html>`;
}

function attr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
