/** The two command lines of the README's marked block: `main job:` and `tests:`. */
export interface ReadmeCommands {
  readonly mainJob: string;
  readonly tests: string;
}

const BEGIN = '<!-- commands:begin -->';
const END = '<!-- commands:end -->';

/** Parses the block between the markers; each line is `<label>:<spaces><command>`. */
export function readmeCommands(readme: string): ReadmeCommands {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END, start);
  if (start < 0 || end < 0) throw new Error(`README.md has no ${BEGIN} ... ${END} block`);
  const lines = new Map<string, string[]>();
  for (const line of readme.slice(start + BEGIN.length, end).split('\n')) {
    const m = /^([a-z][a-z ]*):\s+(\S.*?)\s*$/.exec(line);
    if (m) lines.set(m[1], [...(lines.get(m[1]) ?? []), m[2]]);
  }
  const one = (label: string): string => {
    const found = lines.get(label) ?? [];
    if (found.length !== 1) throw new Error(`README.md's commands block needs exactly one '${label}:' line, found ${found.length}`);
    return found[0];
  };
  return { mainJob: one('main job'), tests: one('tests') };
}

/** The npm scripts a command line runs: `npm test` → test, `npm run x` → x (npm ci runs none). */
export function npmScripts(command: string): string[] {
  const scripts: string[] = [];
  for (const m of command.matchAll(/\bnpm\s+(?:run(?:-script)?\s+([\w:.-]+)|(test|start|stop|restart)\b)/g)) scripts.push(m[1] ?? m[2]);
  return scripts;
}
