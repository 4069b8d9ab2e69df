import { parseArgs, type ParseArgsConfig } from 'node:util';

type OptionSpec = NonNullable<ParseArgsConfig['options']>[string] & { description: string; valueName?: string };

export interface CliSpec<Options extends Record<string, OptionSpec>> {
  usage: string;
  description: string;
  options: Options;
}

/**
 * node:util's parseArgs with `--help` and one-line errors: a wrong flag or value prints what is wrong and the
 * usage line on stderr and exits 2, never a stack trace. A wrapper of a dozen lines rather than a CLI framework:
 * the gateway's commands take two or three flags each.
 */
export function parseCli<Options extends Record<string, OptionSpec>>(spec: CliSpec<Options>, args: string[] = process.argv.slice(2)) {
  const options = { ...spec.options, help: { type: 'boolean', short: 'h', description: 'show this help' } as const };
  let parsed: { values: Record<string, unknown> };
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: false }) as { values: Record<string, unknown> };
  } catch (error) {
    console.error(`${(error as Error).message.split('\n')[0]}\nUsage: ${spec.usage} (--help for more)`);
    process.exit(2);
  }
  if (parsed.values.help) {
    console.log(`Usage: ${spec.usage}\n\n${spec.description}\n\nOptions:\n${helpLines(options)}`);
    process.exit(0);
  }
  return parsed as { values: { [Name in keyof Options]?: Options[Name]['type'] extends 'boolean' ? boolean : Options[Name]['multiple'] extends true ? string[] : string } };
}

function helpLines(options: Record<string, OptionSpec>): string {
  const rows = Object.entries(options).map(([name, option]) => {
    const flag = `${option.short ? `-${option.short}, ` : ''}--${name}${option.type === 'string' ? ` <${option.valueName ?? 'value'}>` : ''}`;
    return [flag, option.description] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return rows.map(([flag, description]) => `  ${flag.padEnd(width)}  ${description}`).join('\n');
}
