/**
 * Trace text where VS Code renders `$(name)` as an icon (quick pick labels, descriptions and
 * details): a zero-width space after `$` keeps it text, so a trace cannot dress its title up as
 * the extension's own icons.
 */
export function withoutIcons(text: string): string {
  return text.replace(/\$\(/g, '$\u200b(');
}
