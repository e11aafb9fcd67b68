export { compileSeccomp, compileDefaultSeccomp, actionValue } from './compile.js';
export type { CompileOptions, CompiledSeccomp } from './compile.js';
export { DOCKER_DEFAULT_PROFILE, CLONE_NAMESPACE_FLAGS } from './default-profile.js';
export { evaluateProfile, parseSeccompProfile } from './profile.js';
export type { SeccompProfile, SeccompRule, SeccompArg, SeccompAction, EffectiveRule } from './profile.js';
export { resolveSeccomp } from './resolve.js';
export { SYSCALLS_X86_64 } from './syscalls-x86-64.js';
export { SECCOMP_RET, AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, decodeProgram, encodeProgram } from './bpf.js';
