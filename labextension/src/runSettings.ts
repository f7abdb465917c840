/** How the agent writes code for a task (Do it): the server's config.AGENT_DESIGNS, the first the default. */
export type AgentDesign = 'plans' | 'model-plans' | 'recipes' | 'freeform';

export const AGENT_DESIGNS: ReadonlyArray<AgentDesign> = ['plans', 'model-plans', 'recipes', 'freeform'];
export const DEFAULT_AGENT_DESIGN: AgentDesign = AGENT_DESIGNS[0];
export const DEFAULT_RUN_TIME_LIMIT_S = 120;

/**
 * The settings of code the sidebar runs or asks for (schema/plugin.json), read when
 * used: a change in the Settings Editor applies to the next Run or task.
 */
export class RunSettings {
  /** Seconds code run from the sidebar may take before the kernel is interrupted. */
  runTimeLimitSeconds = DEFAULT_RUN_TIME_LIMIT_S;
  agentDesign: AgentDesign = DEFAULT_AGENT_DESIGN;

  /** Take the saved values (a value of the wrong kind keeps the default). */
  apply(timeLimit: unknown, design: unknown): void {
    this.runTimeLimitSeconds =
      typeof timeLimit === 'number' && Number.isFinite(timeLimit) && timeLimit > 0 ? timeLimit : DEFAULT_RUN_TIME_LIMIT_S;
    this.agentDesign = AGENT_DESIGNS.includes(design as AgentDesign) ? (design as AgentDesign) : DEFAULT_AGENT_DESIGN;
  }
}
