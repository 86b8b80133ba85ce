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
    <script nonce="${nonce}">${scriptLoader(o.scriptUri, nonce)}</script>
  </body>
</html>`;
}

/** Attempts to load the page's script before saying it could not (the first one and three more). */
const SCRIPT_ATTEMPTS = 4;

/**
 * The page's script, loaded by a small inline loader (allowed by the same nonce) that tries again
 * when the load fails. In VS Code for the web a webview's resources come through a service worker,
 * and right after a window reload a load can fail (status 0) while the page's stylesheets load:
 * the panel stayed blank (seen for the Trace Explorer's page in code-server). After the last
 * attempt the page says what failed and what to do, instead of staying blank.
 */
function scriptLoader(scriptUri: string, nonce: string): string {
  // JSON text is a JavaScript literal; `<` escaped so no `</script>` can end the element early.
  const lit = (v: string): string => JSON.stringify(v).replace(/</g, '\\u003c');
  return `(() => {
      const src = ${lit(scriptUri)};
      let attempt = 0;
      const load = () => {
        attempt += 1;
        const script = document.createElement('script');
        script.nonce = ${lit(nonce)};
        script.src = src;
        script.onerror = () => {
          script.remove();
          if (attempt < ${SCRIPT_ATTEMPTS}) { setTimeout(load, 250 * attempt); return; }
          const app = document.getElementById('app');
          if (app) { app.removeAttribute('aria-busy'); app.setAttribute('role', 'alert'); app.textContent = 'This page could not load its script after ${SCRIPT_ATTEMPTS} attempts. Close it and open it again, or run Developer: Reload Window.'; }
        };
        document.body.append(script);
      };
      load();
    })();`;
}

function attr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
