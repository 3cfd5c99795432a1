// The README is part of the product: every variable the code reads and every connector is documented there.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configSpecs, connectors } from '../../src/connectors.js';
import { fieldEnv } from '../../src/providers/provider.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const configSource = readFileSync(new URL('../../src/config.ts', import.meta.url), 'utf8');

describe('README', () => {
  it('documents every provider URL variable with its default', () => {
    for (const specs of Object.values(configSpecs.endpoints)) {
      for (const spec of Object.values(specs)) expect(readme).toContain(`| \`${spec.env}\` | \`${spec.default}\` |`);
    }
  });

  it('documents every ALSATALK_ variable the configuration reads', () => {
    const read = new Set(configSource.match(/ALSATALK_[A-Z_]+/g));
    for (const variable of read) expect(readme).toContain(`\`${variable}\``);
  });

  it('documents every credential variable connect reads', () => {
    for (const c of connectors)
      for (const f of c.fields.filter((field) => field.fromEnv)) expect(readme).toContain(`\`${fieldEnv(c.id, f)}\``);
  });

  it('shows how to connect every provider', () => {
    for (const c of connectors) expect(readme).toContain(`npx alsatalk-mcp connect ${c.id}`);
  });
});
