import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { AGENT_DESIGNS, DEFAULT_AGENT_DESIGN, DEFAULT_RUN_TIME_LIMIT_S, RunSettings } from '../src/runSettings';

describe('RunSettings', () => {
  test('starts with the defaults', () => {
    const settings = new RunSettings();
    assert.equal(settings.runTimeLimitSeconds, DEFAULT_RUN_TIME_LIMIT_S);
    assert.equal(settings.agentDesign, DEFAULT_AGENT_DESIGN);
    assert.equal(DEFAULT_AGENT_DESIGN, AGENT_DESIGNS[0]);
  });

  test('takes valid saved values', () => {
    const settings = new RunSettings();
    for (const design of AGENT_DESIGNS) {
      settings.apply(30, design);
      assert.equal(settings.runTimeLimitSeconds, 30);
      assert.equal(settings.agentDesign, design);
    }
    settings.apply(0.5, 'freeform');
    assert.equal(settings.runTimeLimitSeconds, 0.5);
  });

  test('falls back to the default for a value of the wrong kind', () => {
    const settings = new RunSettings();
    for (const limit of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, '60', null, undefined]) {
      settings.apply(30, 'recipes');
      settings.apply(limit, 'nonsense');
      assert.equal(settings.runTimeLimitSeconds, DEFAULT_RUN_TIME_LIMIT_S, String(limit));
      assert.equal(settings.agentDesign, DEFAULT_AGENT_DESIGN);
    }
  });
});
