import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { workspaceRoot } from '@fold/devkit';
import { beforeAll, describe, expect, it } from '@jest/globals';

// The operator documents must match the code: every fold CLI command they show, every flag of
// it, every `pnpm` script and every FOLD_* variable they name must exist. The CLIs are asked
// with `--help` (built first, as turbo does before tests).

const DOCUMENTS = [
  'README.md',
  'docs/operators.md',
  'docs/architecture.md',
  'docs/template.md',
  'tooling/local-network/README.md',
];

interface PackageManifest {
  readonly name: string;
  readonly scripts?: Record<string, string>;
  readonly bin?: Record<string, string>;
}

function manifests(): { dir: string; manifest: PackageManifest }[] {
  const out: { dir: string; manifest: PackageManifest }[] = [];
  for (const group of ['packages', 'apps', 'tooling']) {
    for (const name of readdirSync(join(workspaceRoot, group))) {
      const dir = join(workspaceRoot, group, name);
      const file = join(dir, 'package.json');
      if (existsSync(file)) out.push({ dir, manifest: JSON.parse(readFileSync(file, 'utf8')) });
    }
  }
  return out;
}

const packages = manifests();
const rootScripts = (
  JSON.parse(readFileSync(join(workspaceRoot, 'package.json'), 'utf8')) as PackageManifest
).scripts;

/** Every fold CLI by its bin name, as the built script. */
const CLIS = new Map<string, string>(
  packages.flatMap(({ dir, manifest }) =>
    Object.entries(manifest.bin ?? {}).map(([name, path]) => [name, resolve(dir, path)] as const),
  ),
);

const helpCache = new Map<string, string>();

/** `--help` of a CLI (or of one of its commands), from the cache {@link fetchHelp} filled. */
function help(script: string, args: readonly string[]): string {
  const text = helpCache.get([script, ...args].join(' '));
  if (text === undefined) throw new Error(`no help fetched for ${script} ${args.join(' ')}`);
  return text;
}

function runHelp(script: string, args: readonly string[]): Promise<string> {
  return new Promise((resolveHelp) => {
    execFile(
      process.execPath,
      [script, ...args, '--help'],
      { encoding: 'utf8', timeout: 60_000 },
      (_error, stdout) => resolveHelp(String(stdout)),
    );
  });
}

/** Asks every built fold CLI and each of its commands for `--help`, a few at a time. */
async function fetchHelp(): Promise<void> {
  const scripts = [...CLIS.values()].filter((script) => existsSync(script));
  const roots = await Promise.all(scripts.map((script) => runHelp(script, [])));
  const subs: [string, string][] = [];
  scripts.forEach((script, i) => {
    helpCache.set(script, roots[i] as string);
    for (const sub of commandsOf(roots[i] as string)) subs.push([script, sub]);
  });
  for (let i = 0; i < subs.length; i += 4) {
    const batch = subs.slice(i, i + 4);
    const texts = await Promise.all(batch.map(([script, sub]) => runHelp(script, [sub])));
    batch.forEach(([script, sub], j) => {
      helpCache.set(`${script} ${sub}`, texts[j] as string);
    });
  }
}

/** The commands listed under "Commands:" of a help text. */
function commandsOf(text: string): Set<string> {
  const section = text.split(/\nCommands:\n/)[1]?.split(/\n\S/)[0] ?? '';
  return new Set([...section.matchAll(/^\s{2}([a-z][a-z-]*)/gm)].map((m) => m[1] as string));
}

/** Shell command lines of a document: fenced sh/bash blocks, continuation lines joined. */
function shellLines(text: string): string[] {
  const lines: string[] = [];
  for (const block of text.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)) {
    const body = (block[1] ?? '').replace(/\\\n\s*/g, ' ');
    for (const raw of body.split('\n')) {
      const line = raw
        .replace(/\s#.*$/, '')
        .replace(/^#.*$/, '')
        .trim();
      if (line !== '') lines.push(line);
    }
  }
  return lines;
}

/** One command of a line (split at `&&`, `||`, `;`, `|`) as words, quotes dropped. */
function commands(line: string): string[][] {
  return line
    .split(/&&|\|\||;|\|/)
    .map((part) =>
      (part.match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map((word) => word.replace(/^["']|["']$/g, '')),
    )
    .filter((words) => words.length > 0);
}

interface Finding {
  readonly document: string;
  readonly command: string;
  readonly problem: string;
}

function checkCommand(document: string, words: string[]): Finding[] {
  let rest = words;
  while (rest[0] !== undefined && /^[A-Z][A-Z0-9_]*=/.test(rest[0])) rest = rest.slice(1);
  const [program, ...args] = rest;
  const command = words.join(' ');
  const found = (problem: string): Finding[] => [{ document, command, problem }];
  if (program === undefined) return [];
  if (program === 'pnpm') {
    if (args[0] === '--filter') {
      const target = packages.find((p) => p.manifest.name === args[1]?.replace(/\.\.\.$/, ''));
      if (target === undefined) return found(`no package ${args[1]}`);
      const script = args[2];
      if (script === undefined || ['exec', 'install', 'add'].includes(script)) return [];
      return target.manifest.scripts?.[script] === undefined
        ? found(`${args[1]} has no script ${script}`)
        : [];
    }
    const script = args[0];
    if (script === undefined || ['exec', 'install', 'add', 'dlx'].includes(script)) return [];
    return rootScripts?.[script] === undefined ? found(`no root script ${script}`) : [];
  }
  const script = CLIS.get(program);
  if (script === undefined) return program.startsWith('fold-') ? found(`no CLI ${program}`) : [];
  if (!existsSync(script)) return found(`${script} is not built`);
  // Global options first, then the subcommand (when the CLI has subcommands).
  const root = help(script, []);
  const subcommands = commandsOf(root);
  let sub: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const word = args[i] as string;
    if (word.startsWith('-')) {
      if (!word.includes('=') && args[i + 1] !== undefined && !args[i + 1]?.startsWith('-')) i++;
      continue;
    }
    if (subcommands.has(word)) sub = word;
    break;
  }
  const texts = [root, ...(sub === undefined ? [] : [help(script, [sub])])].join('\n');
  const problems: Finding[] = [];
  for (const word of args) {
    if (!/^--[a-z]/.test(word)) continue;
    const flag = word.split('=')[0] as string;
    const shown = new RegExp(`(^|[\\s,])${flag.replace(/-/g, '\\-')}(?=[\\s,=]|$)`, 'm');
    if (!shown.test(texts))
      problems.push(...found(`${flag} is not an option of ${program} ${sub ?? ''}`));
  }
  return problems;
}

/** FOLD_* names any CLI help or any source file of the workspace mentions. */
function knownVariables(): Set<string> {
  const names = new Set<string>();
  const add = (text: string) => {
    for (const m of text.matchAll(/\bFOLD_[A-Z0-9_]*[A-Z0-9]\b/g)) names.add(m[0]);
  };
  for (const text of helpCache.values()) add(text);
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (['node_modules', 'dist', '.turbo', '.fold'].includes(name)) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|tsx|sh)$/.test(name) && !/\.test\.ts$/.test(name))
        add(readFileSync(path, 'utf8'));
    }
  };
  for (const { dir } of packages) if (existsSync(join(dir, 'src'))) walk(join(dir, 'src'));
  walk(join(workspaceRoot, 'tooling'));
  return names;
}

beforeAll(fetchHelp, 180_000);

describe('the documents', () => {
  const texts = DOCUMENTS.map((document) => ({
    document,
    text: readFileSync(join(workspaceRoot, document), 'utf8'),
  }));

  it('show only fold commands, flags and pnpm scripts that exist', () => {
    const findings = texts.flatMap(({ document, text }) =>
      shellLines(text).flatMap((line) =>
        commands(line).flatMap((words) => checkCommand(document, words)),
      ),
    );
    expect(findings).toEqual([]);
  });

  it('show commands at all (the extraction finds them)', () => {
    const shown = texts
      .flatMap(({ text }) => shellLines(text).flatMap(commands))
      .map((w) => w.find((x) => x.startsWith('fold-') || x === 'pnpm'));
    for (const program of ['fold-miner', 'fold-validator', 'fold-chain', 'fold-network', 'pnpm'])
      expect(shown).toContain(program);
  });

  it('name only FOLD_* variables the code reads', () => {
    const known = knownVariables();
    const named = texts.flatMap(({ document, text }) =>
      [...text.matchAll(/\bFOLD_[A-Z0-9_]*[A-Z0-9]\b/g)].map((m) => ({ document, name: m[0] })),
    );
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((n) => !known.has(n.name))).toEqual([]);
  });

  it('link only to files that exist', () => {
    const broken = texts.flatMap(({ document, text }) =>
      [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
        .map((m) => m[1] as string)
        .filter((target) => !/^[a-z]+:/.test(target))
        .filter((target) => !existsSync(resolve(dirname(join(workspaceRoot, document)), target)))
        .map((target) => ({ document, target })),
    );
    expect(broken).toEqual([]);
  });
});

describe('the checks themselves', () => {
  it('find a flag a CLI does not have', () => {
    expect(checkCommand('x.md', ['fold-miner', 'run', '--no-such-flag'])).toHaveLength(1);
    expect(checkCommand('x.md', ['fold-miner', 'run', '--cpu-slots', '2'])).toEqual([]);
  });

  it('find a pnpm script that does not exist', () => {
    expect(checkCommand('x.md', ['pnpm', 'no-such-script'])).toHaveLength(1);
    expect(checkCommand('x.md', ['pnpm', 'dev:network'])).toEqual([]);
  });

  it('read global options before the subcommand', () => {
    expect(
      checkCommand('x.md', [
        'fold-chain',
        '--endpoint',
        'ws://127.0.0.1:9944',
        'metagraph',
        '--netuid',
        '2',
      ]),
    ).toEqual([]);
  });
});
