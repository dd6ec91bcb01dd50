/**
 * The fake Anthropic API for one mocha suite: started before its tests, closed after them, and
 * reset (recorded requests, call counts, queued faults) before each test unless told not to.
 *
 *     describe('…', () => {
 *       const api = useFakeApi();
 *       it('…', async () => { … api.url … api.countCalls() … });
 *     });
 *
 * The value returned stands for the server started in `before`: reading it outside a test (while
 * the suite is being declared) throws, since no server is running yet.
 */
import { startFakeApi, type FakeApi, type FakeApiOptions } from '../fake-api/server';

export function useFakeApi(options: FakeApiOptions & { resetEachTest?: boolean } = {}): FakeApi {
  const { resetEachTest = true, ...serverOptions } = options;
  let server: FakeApi | undefined;
  before(async () => {
    server = await startFakeApi(serverOptions);
  });
  after(async () => {
    await server?.close();
    server = undefined;
  });
  if (resetEachTest) beforeEach(() => server?.reset());
  return new Proxy({} as FakeApi, {
    get(_, property) {
      if (!server) throw new Error(`the fake API is used outside a test (reading "${String(property)}"): it runs only between the suite's before and after hooks`);
      const value: unknown = Reflect.get(server, property);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(server) : value;
    },
  });
}
