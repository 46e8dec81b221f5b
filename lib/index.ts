// rxdgt's public API. Every export is named here; nothing internal leaks (STYLE R17).

// Operators
export { generate, type GenerateConfig, type StructuredGenerateConfig } from '../operators/generate.ts';
export { validate, type ValidateConfig } from '../operators/validate.ts';
export { dedupe, type DedupeConfig } from '../operators/dedupe.ts';
export { filterRecords, type FilterRecordsConfig } from '../operators/filter-records.ts';
export { judge, type JudgeConfig, type JudgeVerdict } from '../operators/judge.ts';
export { stopWhen, type StopWhenConfig } from '../operators/stop-when.ts';

// Stop criteria
export {
  hasAcceptanceRateBelow,
  hasCostBudget,
  hasFailureRate,
  hasMeanScoreBelow,
  hasTokenBudget,
  isMisconfigured,
  isRecordCount,
  isStalled,
  isTimeElapsed,
  windowsOf,
  type QualityWindowOptions,
  type StopCriterion,
} from './run/stop-criteria.ts';
export { initialProgress, type ConfigIssueStreak, type TaskProgress } from './run/task-progress.ts';
export { windowKey, type ProgressWindow, type WindowReading, type WindowReadings } from './run/progress-windows.ts';
export { configShapedIssueCodes, isConfigShapedIssue, type ConfigShapedIssueCode } from './run/config-shaped.ts';

// Builders
export { geographyQa, parseQuestionAnswer, type GeographyQaConfig, type GeographyQaRecord } from '../builders/geography-qa/index.ts';
export { qaRater, salvageRatings, difficulties, type QaRaterConfig, type RatedRecord, type Ratings, type Difficulty } from '../builders/qa-rater/index.ts';
export { builderNames, type BuilderDefinition, type BuilderSettings, type BuilderTask, type ResolvedBlocks } from './builder-registry.ts';

// Conversations: DGT's stage framework, for conversation builders of your own
export { appendStep, createConversation, lastStep, makeStep, type Conversation, type Step, type StepOf } from './conversation/conversation.ts';
export { askModel } from './conversation/ask-model.ts';
export { defineStage, dropConversation, type Stage, type StageContext, type StageDefinition, type StageDrop, type StageSetup } from './conversation/stage.ts';
export { findStage, registerStage, stageRegistry, type StageRegistry } from './conversation/stage-registry.ts';
export { conversationBuilder, type ConversationBuilderConfig } from './conversation/conversation-builder.ts';
export { conversationTaskFields } from './conversation/conversation-task-fields.ts';
export { conversationBuilderFields } from './conversation/conversation-builder-fields.ts';
export { coreConversationStages } from '../builders/conversation/index.ts';
export { createSearchEngine, type SearchEngineLocation } from './search/create-search-engine.ts';
export type { SearchEngine } from './search/search-engine.ts';
export { compileTemplate, loadTemplate, type PromptTemplate } from './template.ts';
export { discoverBuilders } from './builder-paths.ts';

// Blocks
export type { BlockAnswer, BlockBehaviour, BlockCall, BlockContext, BlockDefinition, BlockFields, CommonBlockFields, Verdict } from './blocks/block-definition.ts';
export { block, type BlockOptions } from './blocks/block.ts';
export { blockOperator } from './blocks/block-operator.ts';
export { BlockError } from './blocks/block-error.ts';
export { blockTypes, findBlockDefinition, registerBlock } from './blocks/registry.ts';

// Tasks and runs
export {
  createTask,
  Task,
  type Builder,
  type GenerationTaskOptions,
  type RunHooks,
  type TaskOptions,
  type TransformationTaskOptions,
} from './run/task.ts';
export { inputsExhausted, withConcurrency, withPostprocess, type TaskOutput } from './run/task-options.ts';
export type { GenerationInput } from './run/task-inputs.ts';
export { runTasks, type RunTasksOptions } from './run/run-tasks.ts';
export { prepareRun, type PreparedRun, type RunEngine, type RunSettings } from './run/prepare-run.ts';
export { checkEngines } from './run/preflight.ts';
export type { TaskResult, TaskStatus } from './store/task-result.ts';
export type { LogEntry } from './store/task-files.ts';

// Datastores
export { openRecordSource, type RecordSource, type RecordSourceWhere, type SourcePosition, type SourceRow } from './store/sources/record-source.ts';
export { writeRecordsFile, type RecordStream, type WriteRecordsOptions } from './store/targets/write-records-file.ts';

// Model spec and engines
export type {
  CallOptions,
  ChatMessage,
  ChatToolCall,
  GenerationParams,
  LanguageModel,
  ModelRequest,
  ModelResult,
  ReasoningEffort,
  ResponseFormat,
  TokenLogprob,
  ToolCall,
  ToolChoice,
  ToolDefinition,
} from './model/language-model.ts';
export { createEngine, Engine, type EngineCall, type EngineConfig, type EngineResult, type EngineStats, type ModelPrice } from './model/engine.ts';
export { createOpenAI, type OpenAISettings } from './providers/openai/openai-model.ts';
export { createBatchModel, type BatchModelConfig } from './model/batch-model.ts';
export type { BatchApi } from './model/batch-api.ts';
export { BatchRejectedError } from './errors/batch-rejected-error.ts';
export { openAIBatchApi, type OpenAIBatchSettings } from './providers/openai/openai-batch-api.ts';
export { Coordinator } from './distributed/coordinator.ts';
export { startWorker, type RunningWorker, type WorkerOptions } from './distributed/worker.ts';
export type { RemoteBuilders, RemoteTask } from './run/remote-builders.ts';
export type { SharedLimits, SharedReading, SharedTake } from './model/shared-limits.ts';
export { shareAdmissions, type SharedLimitsFactory } from './model/admission-registry.ts';
export { redisSharedLimitsFactory } from './distributed/redis-shared-limits-factory.ts';
export { createOllama, type OllamaSettings } from './providers/ollama/ollama-model.ts';
export { createOllamaNative, type OllamaNativeSettings } from './providers/ollama-native/ollama-native-model.ts';
export { azureOpenAIDefaultApiVersion, createAzureOpenAI, type AzureOpenAISettings } from './providers/azure-openai/azure-openai-model.ts';
export { createAnthropic, type AnthropicSettings } from './providers/anthropic/anthropic-model.ts';
export { createWatsonx, watsonxMaxConcurrency, type WatsonxSettings } from './providers/watsonx/watsonx-model.ts';
export { createVllmServer, type ManagedLanguageModel, type VllmServerSettings } from './providers/vllm-server/vllm-server-model.ts';
export { createSimulated, simulatedLabel, type SimulatedSettings } from './providers/simulated/simulated-model.ts';
export { createLlamaCpp, type LlamaCppModel, type LlamaCppSettings } from './providers/llama-cpp/llama-cpp-model.ts';
export { type Admission, type AdmissionConfig, type AdmissionState } from './model/admission.ts';
export { admissionFor } from './model/admission-registry.ts';
export { type CallHandlers, CallPolicy, type CallPolicyConfig, type CallReport } from './model/call-policy.ts';
export type { EmbeddingModel, EmbeddingResult } from './model/embedding-model.ts';
export { createEmbeddingEngine, EmbeddingEngine, type EmbeddingEngineConfig, type EmbeddingEngineResult, type EmbeddingEngineStats } from './model/embedding-engine.ts';
export { embeddingFromBlock } from './model/embedding-block.ts';
export { createOpenAIEmbedding, type OpenAIEmbeddingSettings } from './providers/openai/openai-embedding-model.ts';
export { createOllamaEmbedding } from './providers/ollama-native/ollama-embedding-model.ts';
export { createWatsonxEmbedding } from './providers/watsonx/watsonx-embedding-model.ts';
export { createLlamaCppEmbedding, type LlamaCppEmbeddingModel } from './providers/llama-cpp/llama-cpp-embedding-model.ts';
export { openSqliteCache, type SqliteCacheOptions } from './model/sqlite-cache.ts';
export { cacheKey, type ResponseCache } from './model/response-cache.ts';

// Records and outcomes
export type { Accepted, DataPoint, Fields, ModelUsage, Outcome, RecordIssue, Rejected, Restored, Share, Usage } from './record.ts';
export { accepted, fanOut, mapAccepted, passOn, rejected } from './outcome.ts';
export { seededRandom } from './random.ts';

// Errors
export { RxdgtError } from './errors/rxdgt-error.ts';
export { ConfigError } from './errors/config-error.ts';
export { ApiCallError } from './errors/api-call-error.ts';
export { RetryError } from './errors/retry-error.ts';
export { EngineUnreachableError } from './errors/engine-unreachable-error.ts';
export { DatastoreError } from './errors/datastore-error.ts';
export { TaskLockedError, type LockHolder } from './errors/task-locked-error.ts';
export { RunTelemetry, type RunTelemetryOptions } from './telemetry/run-telemetry.ts';
export type {
  AdmissionEvent,
  InputSettledEvent,
  ModelCallEvent,
  RunEvent,
  RunFinishedEvent,
  RunStartedEvent,
  TaskFinishedEvent,
  TaskLogEvent,
  TaskStartedEvent,
} from './telemetry/run-event.ts';
export { type TelemetrySettings, telemetrySettingsFromEnv } from './telemetry/telemetry-settings.ts';
export { type TelemetryFiles, writeTelemetryFiles } from './telemetry/write-telemetry-files.ts';
export { traceWithOpenTelemetry } from './telemetry/trace-with-open-telemetry.ts';
export { createRunLog, logLevelOf, type RunLog, type RunLogLevel, type RunLogOptions } from './telemetry/run-log.ts';
export { type Monitor, type MonitorOptions, startMonitor } from './monitor/start-monitor.ts';
export { previewRun, type PreviewReject, type PreviewRunOptions, type RunPreview, type SampleFigures, type TaskPreview } from './run/preview-run.ts';
export type { RunBound, RunEstimate, RunLimits, RunSample, RunTarget } from './run/estimate-run.ts';
export { createSimulatedEmbedding, type SimulatedEmbeddingSettings } from './providers/simulated/simulated-embedding-model.ts';
export type { TaskRunOptions } from './run/task-run.ts';
export { openTelemetryRegistered } from './telemetry/open-telemetry-registered.ts';
