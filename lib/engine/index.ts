// The offline engine: the program runner, the AWS mock (outputs AWS computes, refusals AWS documents),
// the registration hook and the stack-file reader. Used by `npm run plan` and by the unit tests.
export * from "./awsMock";
export * from "./awsMockTypes";
export * from "./awsRdsRules";
export * from "./awsRules";
export * from "./program";
export * from "./registrations";
export * from "./secrets";
export * from "./stackConfig";
