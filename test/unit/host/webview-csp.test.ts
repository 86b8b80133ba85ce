/** The trace editor's HTML shell: the CSP closes the doors a script-less injection could still use. */
import { strict as assert } from 'node:assert';
import { renderShell } from '../../../src/host/editor/html';

function cspDirectives(html: string): Map<string, string> {
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
  return new Map(csp.split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
    const [name, ...values] = d.split(/\s+/);
    return [name, values.join(' ')] as [string, string];
  }));
}

describe('webview shell CSP', () => {
  const html = renderShell({ cspSource: 'https://file+.vscode-resource.test', scriptUri: 'https://x/dist/webview.js', styleUris: ['https://x/media/a.css'] });
  const csp = cspDirectives(html);

  it("sets base-uri 'none' (an injected <base> cannot redirect relative URLs)", () => {
    assert.equal(csp.get('base-uri'), "'none'");
  });

  it("sets form-action 'none' (an injected <form> cannot submit anywhere; default-src does not cover it)", () => {
    assert.equal(csp.get('form-action'), "'none'");
  });

  it('keeps default-src none and allows only the nonce for scripts', () => {
    assert.equal(csp.get('default-src'), "'none'");
    assert.match(csp.get('script-src') ?? '', /^'nonce-[A-Za-z0-9_-]+'$/);
  });
});
