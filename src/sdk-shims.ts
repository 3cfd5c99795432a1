// The MCP SDK's runtime shims for the bundle (esbuild --alias in package.json's build): the same as the SDK's Node
// shims, but with the @cfworker/json-schema validator the SDK also ships instead of Ajv. The server validates JSON
// Schema only for a form a 2025-era host fills in through a server request, which this server never sends (its form
// goes through input_required and is checked with zod); Ajv's 150 kB would be parsed at every start for nothing.
export { CfWorkerJsonSchemaValidator as DefaultJsonSchemaValidator } from '@modelcontextprotocol/server/validators/cf-worker';
export { default as process } from 'node:process';
