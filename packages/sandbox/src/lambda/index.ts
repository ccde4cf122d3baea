export { type LambdaBridge, type LambdaBridgeOptions, startLambdaBridge } from "./bridge.js";
export { type CognitoAdminShim, startCognitoAdminShim } from "./cognito-admin-shim.js";
export { LambdaFunctionError, LambdaFunctionNotFoundError } from "./errors.js";
export {
  type FunctionUrlGateway,
  type FunctionUrlGatewayOptions,
  httpApiEvent,
  startFunctionUrlGateway,
} from "./gateway.js";
export { functionArn, type HandlerOutput, type LambdaFunctionSpec } from "./hosted-function.js";
