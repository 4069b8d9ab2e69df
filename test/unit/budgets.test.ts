// The rate-limit budgets are one table (src/config/rateLimits.ts): the variables and defaults are derived from it,
// and the README's rows and the Helm chart's values are checked against it here.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config/config.js';
import { BUDGETS, RATE_BUDGETS } from '../../src/config/rateLimits.js';

const CHART = 'deploy/helm/acs-identity-gateway';
const readme = readFileSync('README.md', 'utf8');
const valuesText = readFileSync(`${CHART}/values.yaml`, 'utf8');
const values = parse(valuesText) as { config: Record<string, unknown> };
const schema = JSON.parse(readFileSync(`${CHART}/values.schema.json`, 'utf8')) as { $defs: { variable: { enum: string[] } } };

describe('the budget table', () => {
  it.each(RATE_BUDGETS)('derives the variable and default of %s', (budget) => {
    const { variable, perMinute } = BUDGETS[budget];
    expect(CONFIG_VARIABLES).toContain(variable);
    expect(loadConfig({}).rateLimits.perMinute[budget]).toBe(perMinute);
    expect(loadConfig({ [variable]: '7' }).rateLimits.perMinute[budget]).toBe(7);
    expect(() => loadConfig({ [variable]: '0' })).toThrow(new RegExp(variable));
  });

  it.each(RATE_BUDGETS)("matches the README's row of %s", (budget) => {
    const { variable, perMinute, meaning } = BUDGETS[budget];
    expect(readme).toContain(`| \`${variable}\` | \`${perMinute}\` | ${meaning} |`);
  });

  it.each(RATE_BUDGETS)("matches the chart's value of %s", (budget) => {
    const { variable, perMinute } = BUDGETS[budget];
    expect(values.config).toHaveProperty(variable, null);
    expect(valuesText).toMatch(new RegExp(`^  ${variable}: null +# ${perMinute}$`, 'm'));
    expect(schema.$defs.variable.enum).toContain(variable);
  });

  it('names every RATE_LIMIT_*_PER_MINUTE variable the README, the chart and the configuration know', () => {
    const named = new Set(RATE_BUDGETS.map((budget) => BUDGETS[budget].variable));
    const elsewhere = [readme, valuesText, CONFIG_VARIABLES.join(' ')].flatMap((text) => text.match(/RATE_LIMIT_[A-Z_]+_PER_MINUTE/g) ?? []);
    expect([...new Set(elsewhere)].filter((variable) => !named.has(variable as never))).toEqual([]);
  });
});
