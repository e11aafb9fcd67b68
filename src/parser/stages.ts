// Instructions → stages: global ARGs, then one stage per FROM. Checks what
// only makes sense across instructions: nothing but ARG before the first
// FROM, and stage names used once (reported at the second definition).
import { formatPosition } from '../errors.js';
import { diagnostic, type Diagnostic } from './diagnostics.js';
import type { ArgInstruction, Instruction, Stage } from './instructions.js';

export interface StagesResult {
  globalArgs: ArgInstruction[];
  stages: Stage[];
}

export function buildStages(instructions: readonly Instruction[], diagnostics: Diagnostic[]): StagesResult {
  const globalArgs: ArgInstruction[] = [];
  const stages: Stage[] = [];
  const names = new Map<string, Stage>();
  let current: Stage | undefined;
  for (const inst of instructions) {
    if (inst.kind === 'from') {
      const name = inst.stageName?.text.toLowerCase();
      current = { index: stages.length, name, from: inst, instructions: [], range: { file: inst.range.file, start: inst.range.start, end: inst.range.end } };
      if (name && inst.stageName) {
        const first = names.get(name);
        if (first) {
          diagnostics.push(
            diagnostic('DUPLICATE_STAGE', `duplicate stage name '${inst.stageName.text}': already defined at ${formatPosition(first.from.stageName?.range ?? first.range)}`, inst.stageName.range),
          );
        } else names.set(name, current);
      }
      stages.push(current);
      continue;
    }
    if (!current) {
      if (inst.kind === 'arg') globalArgs.push(inst);
      else {
        diagnostics.push(
          diagnostic('BEFORE_FROM', `${inst.keyword.toUpperCase()} comes before the first FROM: only ARG may come before FROM`, inst.range),
        );
      }
      continue;
    }
    current.instructions.push(inst);
    current.range.end = inst.range.end;
  }
  if (stages.length === 0 && instructions.length > 0) {
    const last = instructions[instructions.length - 1] as Instruction;
    diagnostics.push(diagnostic('NO_FROM', 'the Boxfile has no FROM: every build stage starts with FROM IMAGE', last.range));
  }
  return { globalArgs, stages };
}
