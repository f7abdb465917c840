import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { ChatModel } from './chatModel';
import { ContextPart } from './types';

/** The setting that keeps each context toggle (schema/plugin.json). */
const PART_SETTINGS: Record<ContextPart, string> = {
  cell: 'sendCell',
  selection: 'sendSelection',
  error: 'sendError'
};
const DO_IT_SETTING = 'doIt';

/**
 * Keep the sidebar's toggles in JupyterLab's settings: they start as saved (and
 * follow the Settings Editor), and every change in the panel is saved, so they
 * survive a reload and a server restart.
 */
export function bindPreferences(model: ChatModel, settings: ISettingRegistry.ISettings): void {
  const apply = (): void => {
    const parts = { ...model.parts };
    for (const part of Object.keys(PART_SETTINGS) as ContextPart[]) {
      parts[part] = settings.get(PART_SETTINGS[part]).composite as boolean;
    }
    model.applyPreferences(parts, settings.get(DO_IT_SETTING).composite as boolean);
  };
  apply();
  settings.changed.connect(apply);
  model.preferenceChanged.connect((_, change) => {
    const key = change.part ? PART_SETTINGS[change.part] : DO_IT_SETTING;
    settings.set(key, change.on).catch(reason => console.warn(`MolSys-AI: cannot save the setting ${key}`, reason));
  });
}
