// The server's icon, shown by hosts next to its name (MCP 2025-11-25 `icons`): the calendar page of assets/icon.png
// (the .mcpb bundle's icon) drawn as SVG, inline as a data URI so that it travels with the binary and needs no network.
const svg =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">' +
  '<rect x="53" y="69" width="406" height="398" rx="59" fill="#fff" stroke="#1d4ed8" stroke-width="6"/>' +
  '<path d="M56 192V128a56 56 0 0 1 56-56h288a56 56 0 0 1 56 56v64z" fill="#2563eb"/>' +
  '<rect x="152" y="36" width="36" height="84" rx="18" fill="#1e293b"/>' +
  '<rect x="324" y="36" width="36" height="84" rx="18" fill="#1e293b"/>' +
  '<rect x="96" y="224" width="64" height="54" rx="12" fill="#cbd5e1"/>' +
  '<rect x="180" y="224" width="64" height="54" rx="12" fill="#cbd5e1"/>' +
  '<rect x="264" y="224" width="64" height="54" rx="12" fill="#cbd5e1"/>' +
  '<rect x="348" y="224" width="64" height="54" rx="12" fill="#cbd5e1"/>' +
  '<rect x="96" y="298" width="64" height="54" rx="12" fill="#cbd5e1"/>' +
  '<rect x="180" y="298" width="64" height="54" rx="12" fill="#cbd5e1"/>' +
  '<rect x="264" y="298" width="64" height="54" rx="12" fill="#1d4ed8"/>' +
  '<rect x="348" y="298" width="64" height="54" rx="12" fill="#cbd5e1"/>' +
  '<rect x="96" y="372" width="64" height="54" rx="12" fill="#cbd5e1"/>' +
  '<rect x="180" y="372" width="64" height="54" rx="12" fill="#cbd5e1"/>' +
  '<rect x="264" y="372" width="64" height="54" rx="12" fill="#cbd5e1"/>' +
  '<rect x="348" y="372" width="64" height="54" rx="12" fill="#cbd5e1"/>' +
  '<circle cx="328" cy="325" r="11" fill="#fff"/>' +
  '</svg>';

export const serverIcon = {
  src: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
  mimeType: 'image/svg+xml',
  sizes: ['any'],
};
