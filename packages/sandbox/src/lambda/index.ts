export { type LambdaBridge, type LambdaBridgeOptions, startLambdaBridge } from "./bridge.js";
export { LambdaFunctionError, LambdaFunctionNotFoundError } from "./errors.js";
export {
  type FunctionUrlGateway,
  type FunctionUrlGatewayOptions,
  httpApiEvent,
  startFunctionUrlGateway,
} from "./gateway.js";
export type { HandlerOutput, LambdaFunctionSpec } from "./hosted-function.js";
