export {
  BYPASS_FIELDS,
  fromChatCompletionBody,
  type Mapped,
  PASSTHROUGH_FIELDS,
  SCOPED_FIELDS,
  toChatCompletionBody,
} from './chat-request.js';
export {
  ChunkWriter,
  completionId,
  fromChatCompletion,
  fromChatCompletionChunk,
  fromWireUsage,
  type ReadAnswer,
  type ReplayOptions,
  toChatCompletion,
  toWireUsage,
} from './chat-response.js';
export {
  fromResponsesBody,
  type ResponsesEcho,
  responsesId,
  responsesMessage,
  toResponsesObject,
  toResponsesUsage,
} from './responses.js';
