// The compose file, read once and judged before any resource exists: parsing with line numbers
// (compose/model), what the EC2 hosting's gapless switch needs (compose/gapless), and the
// translation to ECS on Fargate (compose/ecs). All pure except readComposeFile.

export { ComposeError, SETTING_PREFIX, lineAt, findService, parseCompose, readComposeFile } from "./compose/model";
export type { ComposeModel, ComposeService, ComposePath } from "./compose/model";
export { interpolate, durationSeconds, sizeMiB, shellWords } from "./compose/fields";
export type { Env } from "./compose/fields";
export { analyseForGaplessSwitch, describeFindings } from "./compose/gapless";
export { DEFAULT_WEB_PORT } from "./compose/webPort";
export type { GaplessFindings, GaplessOptions } from "./compose/gapless";
export type { HealthSource } from "./compose/webRules";
export { composeToEcs, fargateTask } from "./compose/ecs";
export { isRegistryImage } from "./compose/ecsFields";
export type { EcsCondition, EcsContainer, EcsContainerDefinition, EcsOptions,
  EcsTranslation } from "./compose/ecsTypes";
export type { EcsHealthCheck } from "./compose/ecsHealth";
export { FARGATE_SIZES, fargateSize } from "./compose/fargate";
export type { FargateSize } from "./compose/fargate";
