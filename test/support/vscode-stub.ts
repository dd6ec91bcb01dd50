// Lets a unit test load an extension module that imports `vscode` at runtime (plain mocha has no
// `vscode` module): `require('vscode')` gets an inert stand-in whose every property is another
// stand-in, callable and constructible. Nothing it returns behaves like the editor; tests that
// import through this file must only read data (such as the command table), never run handlers.
// Import it before the extension module.
import Module from 'node:module';

function inert(): unknown {
  const target = function () {} as unknown as object;
  const proxy: object = new Proxy(target, {
    get: (_t, key) => (key === Symbol.toPrimitive ? () => '' : key === 'then' ? undefined : proxy),
    apply: () => proxy,
    construct: () => proxy,
  });
  return proxy;
}

const stub = inert();
const loader = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
const original = loader._load;
loader._load = function (request: string, parent: unknown, isMain: boolean): unknown {
  return request === 'vscode' ? stub : original.call(this, request, parent, isMain);
};
