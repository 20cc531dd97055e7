import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { expect, it } from '@jest/globals';
import ts from 'typescript';

// The README opens with an example; this runs its first TypeScript block against the built
// package, so that the example cannot drift from the API.

it('runs the first example of the README as written', async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (block === undefined) throw new Error('README has no ts example');
  const dist = new URL('../dist/index.js', import.meta.url).href;
  const source = ts
    .transpileModule(block, {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
    })
    .outputText.replace(`from '@fold/scoring'`, `from '${dist}'`);
  const logged: unknown[] = [];
  const context = vm.createContext({ console: { log: (v: unknown) => logged.push(v) } });
  const example = new vm.SourceTextModule(source, { context, identifier: 'readme-example.js' });
  const modules = new Map<string, vm.SourceTextModule>();
  await example.link(async (specifier, referencing) => {
    const url = new URL(
      specifier,
      referencing.identifier.startsWith('file:') ? referencing.identifier : dist,
    );
    let module = modules.get(url.href);
    if (module === undefined) {
      module = new vm.SourceTextModule(readFileSync(url, 'utf8'), {
        context,
        identifier: url.href,
      });
      modules.set(url.href, module);
    }
    return module;
  });
  await example.evaluate();
  expect(logged[0]).toBe(2);
  expect(JSON.parse(JSON.stringify(logged[1]))).toEqual({ uids: [2], values: [65_535] });
});
