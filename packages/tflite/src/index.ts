export { emit, outputAlias, SCHEMA_VERSION, SIGNATURE_KEY, MIN_RUNTIME_VERSION_KEY } from './emit.ts';
export { read, readModel, READABLE_BUILTINS, type ReadReport } from './read.ts';
export { inspect, type InspectedModel, type InspectedOperator, type InspectedSubgraph, type InspectedTensor, type OptionValue } from './inspect.ts';
export { TfliteFormatError } from './errors.ts';
export { EMIT_RULES, type EmitRule, type EmitTable } from './emit-ops.ts';
export { READ_RULES, type ReadRule, type ReadTable } from './read-ops.ts';
export { minRuntimeVersion, runtimeVersionOf } from './versions.ts';
export { Verifier } from './verifier.ts';
export { assertValidFile, checkFile, FILE_RULE_IDS, InvalidTfliteError, type FileProblem, type FileRuleId } from './check.ts';
