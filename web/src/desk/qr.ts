// The TOTP QR code comes as a whole <svg> document from the gateway. It is
// shown as an <img> with a data: URL (the CSP allows img-src data:), so no
// script or style in it can run and no markup enters the page.
export function svgDataUrl(svg: string): string | null {
  if (!/^\s*(<\?xml[^>]*>\s*)?<svg[\s>]/i.test(svg)) return null;
  const bytes = new TextEncoder().encode(svg);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return `data:image/svg+xml;base64,${btoa(bin)}`;
}
