// rxdgt/testing: utilities for testing pipelines without a real language model.
export { FakeLanguageModel, type FakeAnswers, type FakeLanguageModelOptions } from './fake-language-model.ts';
export {
  startTestServer,
  type TestServer,
  type TestServerAnswer,
  type TestServerCounters,
  type TestServerFault,
  type TestServerOptions,
  type TestServerRequest,
} from './test-server.ts';
