import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { ChatModel } from './chatModel';
import { RunSettings } from './runSettings';
import { ContextPart } from './types';

/** The setting that keeps each context toggle (schema/plugin.json). */
const PART_SETTINGS: Record<ContextPart, string> = {
  cell: 'sendCell',
  selection: 'sendSelection',
  error: 'sendError'
};
const DO_IT_SETTING = 'doIt';
const TIME_LIMIT_SETTING = 'runTimeLimitSeconds';
const DESIGN_SETTING = 'agentDesign';

/**
 * Keep the sidebar's toggles in JupyterLab's settings: they start as saved (and
 * follow the Settings Editor), and every change in the panel is saved, so they
 * survive a reload and a server restart. The run settings (time limit, agent design)
 * are set in the Settings Editor only.
 */
export function bindPreferences(
  model: ChatModel,
  settings: ISettingRegistry.ISettings,
  run: RunSettings
): void {
  const apply = (): void => {
    const parts = { ...model.parts };
    for (const part of Object.keys(PART_SETTINGS) as ContextPart[]) {
      parts[part] = settings.get(PART_SETTINGS[part]).composite as boolean;
    }
    model.applyPreferences(parts, settings.get(DO_IT_SETTING).composite as boolean);
    run.apply(settings.get(TIME_LIMIT_SETTING).composite, settings.get(DESIGN_SETTING).composite);
  };
  apply();
  settings.changed.connect(apply);
  model.preferenceChanged.connect((_, change) => {
    const key = change.part ? PART_SETTINGS[change.part] : DO_IT_SETTING;
    settings.set(key, change.on).catch(reason => console.warn(`MolSys-AI: cannot save the setting ${key}`, reason));
  });
}
