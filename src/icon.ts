// The server's icon, shown by hosts next to its name (MCP 2025-11-25 `icons`): a calendar page with a video-call dot,
// inline as an SVG data URI so that it travels with the binary and needs no network.
const svg =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">' +
  '<rect x="6" y="10" width="52" height="48" rx="8" fill="#1f6feb"/>' +
  '<rect x="6" y="10" width="52" height="14" rx="8" fill="#0b3d91"/>' +
  '<rect x="16" y="4" width="6" height="12" rx="3" fill="#0b3d91"/><rect x="42" y="4" width="6" height="12" rx="3" fill="#0b3d91"/>' +
  '<rect x="14" y="32" width="24" height="18" rx="4" fill="#fff"/><path d="M40 36l10-5v20l-10-5z" fill="#fff"/>' +
  '</svg>';

export const serverIcon = {
  src: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
  mimeType: 'image/svg+xml',
  sizes: ['any'],
};
